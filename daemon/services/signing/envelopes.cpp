#include "services/signing/envelopes.h"

#include "crypto/random.h"
#include "crypto/sha256.h"
#include "domain/types.h"
#include "pdf/remote.h"
#include "services/audit_actions.h"

#include <algorithm>
#include <optional>

namespace kinvault::services {

namespace {

// The capacity as the templates' signer lists spell it.
std::string template_capacity(const std::string& stored) {
    const auto c = parse_envelope_capacity(stored);
    if (c == EnvelopeCapacity::parent_legal_custody) {
        return "parent_with_legal_custody";
    }
    if (c == EnvelopeCapacity::minor_self) {
        return "minor_for_self";
    }
    return stored;
}

bool has_slot(const Envelope& e, const std::string& slot) {
    return std::any_of(e.signers.begin(), e.signers.end(),
                       [&](const EnvelopeSigner& s) { return s.slot == slot; });
}

} // namespace

Envelopes::Envelopes(storage::Store& store, const barrier::Barrier& barrier, AuditLog& audit,
                     ReleaseGate& gate, Vault& vault, EnvelopeRecords& records, const Templates& templates,
                     SignerNotices& notices, pdf::PdfGateway& pdf, const Clock& clock,
                     std::string practice_name)
    : m_store(store), m_barrier(barrier), m_audit(audit), m_gate(gate), m_vault(vault), m_records(records),
      m_templates(templates), m_notices(notices), m_pdf(pdf), m_clock(clock),
      m_practice_name(std::move(practice_name)) {}

Result<Envelope> Envelopes::create(const Principal& who, EnvelopeRequest request, const RequestInfo& req) {
    auto access = KV_TRY_VALUE(m_gate.case_access(who, request.case_id));
    if (!access.is_case_clinician) {
        return make_error(Errc::forbidden, "Only the case's clinician can prepare documents for signature.");
    }
    if (request.signers.empty()) {
        return make_error(Errc::invalid_input, "An envelope needs at least one signer.");
    }
    if (request.expires_in_days < 1 || request.expires_in_days > 365) {
        return make_error(Errc::invalid_input, "expires_in_days must be between 1 and 365");
    }
    Envelope e;
    e.id = crypto::random_id("env");
    e.case_id = request.case_id;
    e.created_by = who.user_id;
    e.created_by_name = who.name;
    e.created_at = m_clock.now();
    e.expires_in_days = request.expires_in_days;
    e.roi_id = request.roi_id;
    KV_TRY(validate_signers(e, request));
    if (!request.template_name.empty()) {
        KV_TRY(from_template(e, request, who, access, req));
    } else {
        KV_TRY(from_document(e, request, who, access, req));
    }
    for (const auto& s : e.signers) {
        const bool has_signature = std::any_of(e.fields.begin(), e.fields.end(), [&](const EnvelopeField& f) {
            return f.placement.signer == s.slot && f.placement.kind == pdf::FieldKind::signature;
        });
        if (!has_signature) {
            return make_error(Errc::invalid_input, "signer " + s.slot + " has no signature field");
        }
    }
    e.current_version = e.base_version;
    m_records.add_event(e, "created", "", who.user_id, req, who.auth_method);
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_records.save(e));
        return m_audit.append(
            {.actor = who.user_id,
             .action = audit_action::envelope_create,
             .object = e.id,
             .case_id = e.case_id,
             .decision = "ok",
             .reason = "document " + e.document_id + ", " + std::to_string(e.signers.size()) + " signer(s)",
             .details = ""},
            req);
    }));
    return e;
}

Status Envelopes::validate_signers(Envelope& e, const EnvelopeRequest& request) {
    auto parties = KV_TRY_VALUE(m_store.parties_of_case(request.case_id));
    for (const SignerSpec& spec : request.signers) {
        if (spec.slot.empty() || has_slot(e, spec.slot)) {
            return make_error(Errc::invalid_input, "every signer needs a distinct slot");
        }
        if (spec.group < 1 || spec.group > 20) {
            return make_error(Errc::invalid_input, "routing groups are numbered 1 to 20");
        }
        const auto it = std::find_if(parties.begin(), parties.end(),
                                     [&](const storage::PartyRecord& p) { return p.id == spec.party_id; });
        if (it == parties.end()) {
            return make_error(Errc::invalid_input, "signer " + spec.slot + ": no such party in this case");
        }
        // No capacity named: the case's clinician signs as clinician, anyone else for themself.
        const std::string capacity = !spec.capacity.empty() ? spec.capacity
                                     : domain::parse_role(it->role) == domain::Role::clinician
                                         ? std::string(to_string(EnvelopeCapacity::clinician))
                                         : std::string(to_string(EnvelopeCapacity::self));
        const auto parsed = parse_envelope_capacity(capacity);
        if (!parsed) {
            return make_error(Errc::invalid_input,
                              "signer " + spec.slot +
                                  ": capacity must be self, parent_legal_custody, guardian, "
                                  "minor_self or clinician");
        }
        if (signs_for_another(*parsed) && spec.authority.empty()) {
            return make_error(Errc::invalid_input,
                              "signer " + spec.slot +
                                  " signs for someone else: name the authority relied on "
                                  "(the court order or custody record)");
        }
        EnvelopeSigner s;
        s.slot = spec.slot;
        s.party_id = spec.party_id;
        auto name = m_barrier.open_name(*it);
        auto email = m_barrier.open_email(*it);
        if (!name || !email) {
            return make_error(Errc::integrity, "a party record is damaged");
        }
        s.name = *name;
        s.email = *email;
        s.role = it->role;
        s.capacity = capacity;
        s.authority = spec.authority;
        s.group = spec.group;
        e.signers.push_back(std::move(s));
    }
    return {};
}

// Long because the values a template is filled with are listed here one by one (what the vault already
// knows about the practice, the case and each signer); each line is one value.
Status Envelopes::from_template(Envelope& e, const EnvelopeRequest& request, const Principal& who,
                                const CaseAccess& access, const RequestInfo& req) {
    auto info = KV_TRY_VALUE(m_templates.named(request.template_name));
    e.template_name = info.tmpl.name;
    e.template_version = info.tmpl.version;
    for (const auto& decl : info.tmpl.signers) {
        if (!has_slot(e, decl.slot)) {
            return make_error(Errc::invalid_input, "the template needs a signer for slot '" + decl.slot +
                                                       "' (" + decl.description + ")");
        }
    }
    // Fill what the vault already knows, unless the request says otherwise.
    pdf::TemplateValues values = request.values;
    auto put = [&](const std::string& k, const std::string& v) {
        if (info.tmpl.find_field(k) != nullptr && values.fields.count(k) == 0) {
            values.fields[k] = v;
        }
    };
    put("practice.name", m_practice_name);
    put("clinician.name", who.name);
    if (auto cname = m_barrier.open_name(access.case_record)) {
        put("case.name", *cname);
    }
    put("agreement.date", format_date(m_clock.now()));
    if (info.tmpl.find_list("signers") != nullptr && values.lists.count("signers") == 0) {
        for (const auto& s : e.signers) {
            values.lists["signers"].push_back(
                {{"slot", s.slot},
                 {"name", s.name},
                 {"capacity", template_capacity(s.capacity)},
                 {"authority", s.authority.empty() ? "Own authority" : s.authority}});
        }
    }
    for (const auto& s : e.signers) {
        put(s.slot + ".name", s.name);
        put(s.slot + ".email", s.email);
    }
    KV_TRY(pdf::check_values(info.tmpl, values));
    pdf::RemoteRenderOptions options;
    options.document_id = e.id;
    options.created_at = e.created_at;
    const auto source = KV_TRY_VALUE(m_templates.source(info));
    auto rendered = KV_TRY_VALUE(pdf::remote_render(m_pdf, source, values, options));
    for (const auto& p : rendered.placements) {
        e.fields.push_back({p, "", false});
    }
    std::string doc_type = "other";
    if (info.tmpl.name == "roi") {
        doc_type = "roi";
        e.purpose = "roi";
    } else if (info.tmpl.name == "reunification-agreement") {
        doc_type = "reunification-agreement";
        e.purpose = "agreement";
        if (const auto it = values.fields.find("process.mode"); it != values.fields.end()) {
            e.process_mode = it->second;
        }
    } else {
        e.purpose = "other";
    }
    e.title = request.title.empty() ? info.tmpl.description : request.title;
    UploadRequest up;
    up.case_id = e.case_id;
    up.type = doc_type;
    up.title = e.title;
    up.filename = info.tmpl.name + ".pdf";
    auto stored =
        KV_TRY_VALUE(m_vault.store_bytes(who.user_id, up, rendered.pdf, access.my_parties.front().id, req));
    e.document_id = stored.id;
    e.base_version = stored.version;
    return {};
}

Status Envelopes::from_document(Envelope& e, EnvelopeRequest& request, const Principal& who,
                                const CaseAccess& access, const RequestInfo& req) {
    auto current = KV_TRY_VALUE(m_vault.get(who, request.document_id, req));
    if (current.case_id != e.case_id) {
        return make_error(Errc::not_found, "No such document.");
    }
    e.document_id = current.id;
    e.base_version = current.version;
    if (!request.stamps.empty()) {
        auto original = KV_TRY_VALUE(m_vault.read_bytes(current.id, current.version));
        auto stamped = KV_TRY_VALUE(pdf::remote_stamp(m_pdf, original, request.stamps));
        UploadRequest up;
        up.case_id = e.case_id;
        up.document_id = current.id;
        up.title = current.title;
        up.filename = current.filename;
        auto stored =
            KV_TRY_VALUE(m_vault.store_bytes(who.user_id, up, stamped, access.my_parties.front().id, req));
        e.base_version = stored.version;
    }
    e.title = request.title.empty() ? current.title : request.title;
    const auto type = domain::parse_doc_type(current.type);
    e.purpose = type == domain::DocType::roi                       ? "roi"
                : type == domain::DocType::reunification_agreement ? "agreement"
                                                                   : "other";
    return place_fields(e, std::move(request.fields), current.pages);
}

Status Envelopes::place_fields(Envelope& e, std::vector<FieldSpec> fields, std::int64_t pages) {
    const int last_page = static_cast<int>(std::max<std::int64_t>(1, pages)) - 1;
    int stacked = 0;
    for (const auto& s : e.signers) {
        bool has_sig = false;
        for (const FieldSpec& f : fields) {
            if (f.slot == s.slot && f.kind == "signature") {
                has_sig = true;
            }
        }
        if (!has_sig) {
            // Default: signature boxes stacked up the bottom of the last page.
            fields.push_back({s.slot + ".signature", s.slot, "signature", last_page,
                              pdf::Rect{72, 60.0 + 70.0 * stacked++, 240, 56}});
        }
    }
    for (const FieldSpec& f : fields) {
        if (!has_slot(e, f.slot)) {
            return make_error(Errc::invalid_input, "field " + f.name + " names an unknown signer slot");
        }
        pdf::FieldPlacement p;
        p.name = f.name.empty() ? f.slot + "." + f.kind : f.name;
        p.signer = f.slot;
        p.page = f.page < 0 ? last_page : f.page;
        if (p.page > last_page) {
            return make_error(Errc::invalid_input,
                              "field " + p.name + " is on a page the document does not have");
        }
        p.rect = f.rect;
        const auto kind = pdf::parse_field_kind(f.kind);
        if (!kind) {
            return make_error(Errc::invalid_input,
                              "field kind must be signature, initials, date, text or checkbox");
        }
        p.kind = *kind;
        if (p.rect.width <= 0 || p.rect.height <= 0) {
            return make_error(Errc::invalid_input, "field " + p.name + " needs a width and a height");
        }
        e.fields.push_back({p, "", false});
    }
    return {};
}

Result<Envelope> Envelopes::send(const Principal& who, const std::string& envelope_id,
                                 const RequestInfo& req) {
    auto lock = m_records.lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = KV_TRY_VALUE(m_records.load_for(who, envelope_id, true));
    if (e.state != EnvelopeState::draft) {
        return make_error(Errc::conflict, "This envelope was already sent.");
    }
    auto bytes = KV_TRY_VALUE(m_vault.read_bytes(e.document_id, e.current_version));
    e.sha256_before = crypto::to_hex(crypto::sha256(bytes));
    e.signed_version_hashes = {e.sha256_before};
    e.state = EnvelopeState::sent;
    e.sent_at = m_clock.now();
    e.expires_at = e.sent_at + e.expires_in_days * 86400;
    m_records.add_event(e, "sent", "", who.user_id, req, who.auth_method);
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_notices.group(e, current_group(e), SigningNotice::request));
        KV_TRY(m_records.save(e));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::envelope_send,
                               .object = e.id,
                               .case_id = e.case_id,
                               .decision = "ok",
                               .reason = "sent for signature",
                               .details = ""},
                              req);
    }));
    return e;
}

Result<Envelope> Envelopes::remind(const Principal& who, const std::string& envelope_id,
                                   const RequestInfo& req) {
    auto lock = m_records.lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = KV_TRY_VALUE(m_records.load_for(who, envelope_id, true));
    KV_TRY(m_records.check_expiry(e, req));
    if (e.state != EnvelopeState::sent) {
        return make_error(Errc::conflict, "Only an envelope waiting for signatures can be reminded.");
    }
    m_records.add_event(e, "reminded", "", who.user_id, req, who.auth_method);
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_notices.group(e, current_group(e), SigningNotice::reminder));
        KV_TRY(m_records.save(e));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::envelope_remind,
                               .object = e.id,
                               .case_id = e.case_id,
                               .decision = "ok",
                               .reason = "reminder queued",
                               .details = ""},
                              req);
    }));
    return e;
}

Result<Envelope> Envelopes::void_envelope(const Principal& who, const std::string& envelope_id,
                                          const std::string& reason, const RequestInfo& req) {
    auto lock = m_records.lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = KV_TRY_VALUE(m_records.load_for(who, envelope_id, true));
    if (reason.empty()) {
        return make_error(Errc::invalid_input, "Say why the envelope is voided.");
    }
    if (e.state != EnvelopeState::draft && e.state != EnvelopeState::sent) {
        return make_error(Errc::conflict,
                          "Only a draft or an envelope waiting for signatures can be voided.");
    }
    e.state = EnvelopeState::voided;
    e.void_reason = reason;
    m_records.add_event(e, "voided", "", who.user_id, req, who.auth_method, reason);
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_notices.voided(e));
        KV_TRY(m_records.save(e));
        return m_audit.append({.actor = who.user_id,
                               .action = audit_action::envelope_void,
                               .object = e.id,
                               .case_id = e.case_id,
                               .decision = "ok",
                               .reason = "voided by the sender",
                               .details = ""},
                              req);
    }));
    return e;
}

Result<Envelope> Envelopes::status(const Principal& who, const std::string& envelope_id) {
    auto e = KV_TRY_VALUE(m_records.load_for(who, envelope_id, false));
    KV_TRY(m_records.check_expiry(e, {"local", "kinvaultd"}));
    return e;
}

Result<std::vector<Envelope>> Envelopes::list(const Principal& who, const std::string& case_id) {
    return m_records.of_case(who, case_id);
}

Result<int> Envelopes::expire_due(const RequestInfo& req) {
    auto ids = KV_TRY_VALUE(m_records.sent_ids());
    int expired = 0;
    for (const auto& id : ids) {
        auto lock = m_records.lock_for(id);
        std::lock_guard<std::mutex> guard(*lock);
        auto e = m_records.load(id);
        if (!e) {
            continue;
        }
        const auto before = e->state;
        KV_TRY(m_records.check_expiry(*e, req));
        if (before != e->state) {
            ++expired;
        }
    }
    return expired;
}

} // namespace kinvault::services
