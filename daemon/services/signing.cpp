#include "services/signing.h"

#include "crypto/cms.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "domain/types.h"
#include "pdf/inject.h"
#include "pdf/remote.h"
#include "services/json_text.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace kinvault::services {

namespace {

constexpr const char* k_record_kind = "envelope";

std::string capacity_words(const std::string& capacity) {
    if (capacity == "self") {
        return "for themself";
    }
    if (capacity == "parent_legal_custody" || capacity == "parent_with_legal_custody") {
        return "parent with legal custody";
    }
    if (capacity == "guardian") {
        return "guardian";
    }
    if (capacity == "minor_self" || capacity == "minor_for_self") {
        return "minor for self";
    }
    return capacity;
}

bool known_capacity(const std::string& c) {
    static const std::set<std::string> known{"self",
                                             "parent_legal_custody",
                                             "parent_with_legal_custody",
                                             "guardian",
                                             "minor_self",
                                             "minor_for_self",
                                             "clinician",
                                             "counsel",
                                             "witness"};
    return known.count(c) > 0;
}

std::string auth_words(const std::string& method) {
    return method == "password+totp" ? "password + authenticator code (TOTP)" : "password";
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

Error not_found() {
    return make_error(Errc::not_found, "No such envelope.");
}

} // namespace

const Disclosure& current_disclosure() {
    static const Disclosure d{
        "2026-11-01",
        "Consent to use electronic records and signatures\n\n"
        "Before you sign electronically, please read this notice (15 U.S.C. 7001(c); California Civil Code "
        "1633.1 and following).\n\n"
        "1. You may choose to receive and sign these documents on paper instead. Ask the practice and it "
        "will "
        "send you a paper copy to sign, at no charge.\n"
        "2. Your consent covers the documents of this reunification case that the practice sends you through "
        "Kinvault: agreements, releases of information and related forms.\n"
        "3. You may withdraw this consent at any time, in Kinvault or by telling the practice. Withdrawal "
        "applies "
        "going forward: documents you have already signed stay signed.\n"
        "4. You can get a paper copy of anything you sign by asking the practice, and you can download your "
        "own "
        "signed copy in Kinvault at any time.\n"
        "5. To view and keep these records you need a device with a current web browser (or the kinvault "
        "command "
        "line), an e-mail address, and the ability to open or save PDF files.\n"
        "6. If your e-mail address changes, tell the practice.\n\n"
        "By accepting, you agree to use electronic records and signatures for these documents, and you "
        "confirm "
        "that you can view and keep them as described above."};
    return d;
}

struct Signing::Pending {
    std::string envelope_id;
    std::string slot;
    std::string user_id;
    pdf::PreparedPdf prepared;
    crypto::Digest digest{};
    std::string certificate_pem;
    std::vector<std::string> chain_pem;
    UnixTime expires_at{0};
    SignAct act;
    std::string signature_id;                   // drawn into the visible mark at preparation
    std::map<std::string, std::string> stamped; // every value field as prepared (dates, initials included)
};

Signing::Signing(storage::Store& store, const crypto::Keyring& keyring, AuditLog& audit, Accounts& accounts,
                 ReleaseGate& gate, Vault& vault, Notifier& notifier, pdf::PdfGateway& pdf,
                 const Clock& clock, PracticeKeys keys, std::string templates_dir)
    : m_store(store), m_keyring(keyring), m_audit(audit), m_accounts(accounts), m_gate(gate), m_vault(vault),
      m_notifier(notifier), m_pdf(pdf), m_clock(clock), m_keys(std::move(keys)),
      m_templates_dir(std::move(templates_dir)) {}

// ------------------------------------------------------------------------------------------------ templates

Result<std::vector<TemplateInfo>> Signing::templates() const {
    std::vector<TemplateInfo> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(m_templates_dir, ec)) {
        if (entry.path().extension() != ".kvt") {
            continue;
        }
        auto t = pdf::load_template_file(entry.path());
        if (!t) {
            return std::move(t).error();
        }
        out.push_back({std::move(t).value(), entry.path().filename().string()});
    }
    if (ec) {
        return make_error(Errc::unavailable, "cannot read the templates directory " + m_templates_dir);
    }
    std::sort(out.begin(), out.end(),
              [](const TemplateInfo& a, const TemplateInfo& b) { return a.tmpl.name < b.tmpl.name; });
    return out;
}

Result<TemplateInfo> Signing::template_named(const std::string& name) const {
    auto all = templates();
    if (!all) {
        return std::move(all).error();
    }
    for (auto& t : *all) {
        if (t.tmpl.name == name) {
            return std::move(t);
        }
    }
    return make_error(Errc::not_found, "No template named '" + name + "'.");
}

// ------------------------------------------------------------------------------------------------ records

Result<Envelope> Signing::load(const std::string& envelope_id) const {
    auto rec = m_store.record(k_record_kind, envelope_id);
    if (!rec) {
        return std::move(rec).error();
    }
    if (!rec->has_value()) {
        return not_found();
    }
    auto json = m_keyring.open_field((*rec)->sealed, "record:envelope:" + envelope_id);
    if (!json) {
        return std::move(json).error();
    }
    return decode_envelope(*json);
}

Status Signing::save(const Envelope& e) {
    storage::SealedRecord r;
    r.kind = k_record_kind;
    r.id = e.id;
    r.case_id = e.case_id;
    r.document_id = e.document_id;
    r.state = std::string(to_string(e.state));
    r.updated_at = m_clock.now();
    r.sealed = m_keyring.seal_field(encode_envelope(e), "record:envelope:" + e.id);
    return m_store.put_record(r);
}

std::shared_ptr<std::mutex> Signing::lock_for(const std::string& envelope_id) {
    std::lock_guard<std::mutex> guard(m_locks_mutex);
    auto& weak = m_locks[envelope_id];
    auto strong = weak.lock();
    if (!strong) {
        strong = std::make_shared<std::mutex>();
        weak = strong;
    }
    return strong;
}

void Signing::add_event(Envelope& e, const std::string& type, const std::string& slot,
                        const std::string& actor, const RequestInfo& req, const std::string& auth,
                        const std::string& detail) {
    e.events.push_back(
        {m_clock.now(), type, slot, actor, req.client_address, req.user_agent.substr(0, 200), auth, detail});
}

Result<Envelope> Signing::load_for(const Principal& who, const std::string& envelope_id, bool sender_only) {
    auto e = load(envelope_id);
    if (!e) {
        return std::move(e).error();
    }
    auto access = m_gate.case_access(who, e->case_id);
    if (!access) {
        return not_found();
    }
    if (access->is_case_clinician) {
        return e;
    }
    if (sender_only) {
        return not_found();
    }
    for (const auto& s : e->signers) {
        for (const auto& p : access->my_parties) {
            if (p.id == s.party_id) {
                return e;
            }
        }
    }
    return not_found();
}

Result<std::size_t> Signing::my_signer(const Principal& who, const Envelope& e) const {
    auto parties = m_store.parties_of_user(who.user_id);
    if (!parties) {
        return std::move(parties).error();
    }
    for (std::size_t i = 0; i < e.signers.size(); ++i) {
        for (const auto& p : *parties) {
            if (p.id == e.signers[i].party_id && p.status == "active") {
                return i;
            }
        }
    }
    return make_error(Errc::not_found, "You are not a signer of this envelope.");
}

std::string Signing::slot_of(const Principal& who, const Envelope& e) const {
    auto index = my_signer(who, e);
    return index ? e.signers[*index].slot : std::string();
}

Status Signing::check_expiry(Envelope& e, const RequestInfo& req) {
    if (e.state == EnvelopeState::sent && e.expires_at != 0 && m_clock.now() >= e.expires_at) {
        e.state = EnvelopeState::expired;
        add_event(e, "expired", "", "system", req, "");
        KV_TRY(m_store.transaction([&]() -> Status {
            KV_TRY(save(e));
            return m_audit.append(
                {"system", "envelope.expire", e.id, e.case_id, "ok", "expired unsigned", ""}, req);
        }));
    }
    return {};
}

Status Signing::check_turn(const Envelope& e, std::size_t index) const {
    switch (e.state) {
    case EnvelopeState::draft:
        return make_error(Errc::conflict, "This envelope has not been sent yet.");
    case EnvelopeState::completed:
        return make_error(Errc::conflict, "Everyone has signed; this envelope is complete.");
    case EnvelopeState::declined:
        return make_error(Errc::conflict, "This envelope was declined and can no longer be signed.");
    case EnvelopeState::voided:
        return make_error(Errc::conflict,
                          "The practice withdrew (voided) this envelope; it can no longer be signed.");
    case EnvelopeState::expired:
        return make_error(Errc::gone,
                          "This envelope expired before everyone signed; ask the practice to send it again.");
    case EnvelopeState::sent:
        break;
    }
    const EnvelopeSigner& s = e.signers[index];
    if (s.state == SignerState::completed) {
        return make_error(Errc::conflict, "You have already signed this envelope.");
    }
    if (s.state == SignerState::declined) {
        return make_error(Errc::conflict, "You declined this envelope.");
    }
    if (s.group != current_group(e)) {
        return make_error(Errc::conflict, "It is not your turn to sign yet; you will be told when it is.");
    }
    return {};
}

Status Signing::check_act(const Principal& who, const Envelope& e, std::size_t index, const SignAct& act,
                          const RequestInfo& req) {
    KV_TRY(check_turn(e, index));
    const EnvelopeSigner& s = e.signers[index];
    if (s.consented_at == 0 || s.disclosure_version != current_disclosure().version) {
        return make_error(Errc::conflict,
                          "Please read and accept the consent to sign electronically before signing.");
    }
    auto consent = m_store.record("esign-consent", who.user_id);
    if (!consent) {
        return std::move(consent).error();
    }
    if (!consent->has_value() || (*consent)->state != "accepted") {
        return make_error(Errc::conflict,
                          "You withdrew your consent to sign electronically; accept it again to sign.");
    }
    if (s.viewed_at == 0 || act.viewed_sha256.empty()) {
        return make_error(Errc::conflict, "Please open and review the document before signing.");
    }
    if (std::find(e.signed_version_hashes.begin(), e.signed_version_hashes.end(), act.viewed_sha256) ==
        e.signed_version_hashes.end()) {
        return make_error(Errc::conflict,
                          "The document you reviewed is not the one being signed; please review it again.");
    }
    if (!act.intent) {
        return make_error(Errc::invalid_input, "Please confirm that you intend to sign this document.");
    }
    if (act.typed_signature.empty() || act.typed_signature.size() > 200) {
        return make_error(Errc::invalid_input, "Please type your name to adopt it as your signature.");
    }
    return m_accounts.reauthenticate(who, act.password, act.totp, req);
}

Result<crypto::CertifiedKey> Signing::signer_key(const Principal& who, const std::string& name) {
    const std::string key_name = "signer-key:" + who.user_id;
    auto sealed = m_store.sealed_secret(key_name);
    if (!sealed) {
        return std::move(sealed).error();
    }
    auto cert_rec = m_store.record("signer-cert", who.user_id);
    if (!cert_rec) {
        return std::move(cert_rec).error();
    }
    if (sealed->has_value() && cert_rec->has_value()) {
        auto key = m_keyring.open_secret(**sealed, key_name);
        auto cert = m_keyring.open_field((*cert_rec)->sealed, "record:signer-cert:" + who.user_id);
        if (!key || !cert) {
            return make_error(Errc::integrity, "your signing key could not be unsealed");
        }
        auto info = crypto::describe_certificate(*cert);
        // Reuse while valid for another 30 days and issued in the same name; else issue a fresh one.
        if (info && info->not_after > m_clock.now() + 30 * 86400 && info->common_name == name) {
            return crypto::CertifiedKey{std::move(key).value(), *cert};
        }
    }
    // Generated here, wrapped by the key hierarchy, and only ever unwrapped inside an authenticated signing
    // act.
    auto pair = crypto::generate_p256_key();
    if (!pair) {
        return std::move(pair).error();
    }
    auto cert = crypto::issue_signer_certificate(m_keys.root, pair->public_key_pem,
                                                 {name, who.email, m_keys.practice_name}, m_clock.now(), 730);
    if (!cert) {
        return std::move(cert).error();
    }
    storage::SealedRecord r;
    r.kind = "signer-cert";
    r.id = who.user_id;
    r.case_id = "";
    r.state = "active";
    r.updated_at = m_clock.now();
    r.sealed = m_keyring.seal_field(*cert, "record:signer-cert:" + who.user_id);
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_store.put_sealed_secret(key_name, m_keyring.seal_secret(pair->private_key_pem, key_name)));
        return m_store.put_record(r);
    }));
    return crypto::CertifiedKey{std::move(pair->private_key_pem), *cert};
}

// ------------------------------------------------------------------------------------------------
// create/send

Result<Envelope> Signing::create(const Principal& who, EnvelopeRequest request, const RequestInfo& req) {
    auto access = m_gate.case_access(who, request.case_id);
    if (!access) {
        return std::move(access).error();
    }
    if (!access->is_case_clinician) {
        return make_error(Errc::forbidden, "Only the case's clinician can prepare documents for signature.");
    }
    if (request.signers.empty()) {
        return make_error(Errc::invalid_input, "An envelope needs at least one signer.");
    }
    if (request.expires_in_days < 1 || request.expires_in_days > 365) {
        return make_error(Errc::invalid_input, "expires_in_days must be between 1 and 365");
    }
    auto parties = m_store.parties_of_case(request.case_id);
    if (!parties) {
        return std::move(parties).error();
    }
    Envelope e;
    e.id = crypto::random_id("env");
    e.case_id = request.case_id;
    e.created_by = who.user_id;
    e.created_by_name = who.name;
    e.created_at = m_clock.now();
    e.expires_in_days = request.expires_in_days;
    e.roi_id = request.roi_id;

    std::set<std::string> slots;
    for (const SignerSpec& spec : request.signers) {
        if (spec.slot.empty() || !slots.insert(spec.slot).second) {
            return make_error(Errc::invalid_input, "every signer needs a distinct slot");
        }
        if (spec.group < 1 || spec.group > 20) {
            return make_error(Errc::invalid_input, "routing groups are numbered 1 to 20");
        }
        const auto it = std::find_if(parties->begin(), parties->end(),
                                     [&](const storage::PartyRecord& p) { return p.id == spec.party_id; });
        if (it == parties->end()) {
            return make_error(Errc::invalid_input, "signer " + spec.slot + ": no such party in this case");
        }
        const std::string capacity =
            spec.capacity.empty() ? (it->role == "clinician" ? "clinician" : "self") : spec.capacity;
        if (!known_capacity(capacity)) {
            return make_error(Errc::invalid_input,
                              "signer " + spec.slot +
                                  ": capacity must be self, parent_legal_custody, guardian, "
                                  "minor_self or clinician");
        }
        if ((capacity == "parent_legal_custody" || capacity == "parent_with_legal_custody" ||
             capacity == "guardian") &&
            spec.authority.empty()) {
            return make_error(Errc::invalid_input,
                              "signer " + spec.slot +
                                  " signs for someone else: name the authority relied on "
                                  "(the court order or custody record)");
        }
        EnvelopeSigner s;
        s.slot = spec.slot;
        s.party_id = spec.party_id;
        auto name = m_keyring.open_field(it->name_sealed, "party:" + it->id + ":name");
        auto email = m_keyring.open_field(it->email_sealed, "party:" + it->id + ":email");
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

    Bytes pdf_bytes;
    std::string doc_type = "other";
    if (!request.template_name.empty()) {
        auto info = template_named(request.template_name);
        if (!info) {
            return std::move(info).error();
        }
        e.template_name = info->tmpl.name;
        e.template_version = info->tmpl.version;
        for (const auto& decl : info->tmpl.signers) {
            if (slots.count(decl.slot) == 0) {
                return make_error(Errc::invalid_input, "the template needs a signer for slot '" + decl.slot +
                                                           "' (" + decl.description + ")");
            }
        }
        // Fill what the vault already knows, unless the request says otherwise.
        pdf::TemplateValues values = request.values;
        auto put = [&](const std::string& k, const std::string& v) {
            if (info->tmpl.find_field(k) != nullptr && values.fields.count(k) == 0) {
                values.fields[k] = v;
            }
        };
        put("practice.name", m_keys.practice_name);
        put("clinician.name", who.name);
        if (auto cname =
                m_keyring.open_field(access->case_record.name_sealed, "case:" + e.case_id + ":name")) {
            put("case.name", *cname);
        }
        put("agreement.date", format_date(m_clock.now()));
        if (info->tmpl.find_list("signers") != nullptr && values.lists.count("signers") == 0) {
            for (const auto& s : e.signers) {
                values.lists["signers"].push_back(
                    {{"slot", s.slot},
                     {"name", s.name},
                     {"capacity", s.capacity == "parent_legal_custody" ? "parent_with_legal_custody"
                                  : s.capacity == "minor_self"         ? "minor_for_self"
                                                                       : s.capacity},
                     {"authority", s.authority.empty() ? "Own authority" : s.authority}});
            }
        }
        for (const auto& s : e.signers) {
            put(s.slot + ".name", s.name);
            put(s.slot + ".email", s.email);
        }
        KV_TRY(pdf::check_values(info->tmpl, values));
        const std::string text = read_text(std::filesystem::path(m_templates_dir) / info->file);
        pdf::RemoteRenderOptions options;
        options.document_id = e.id;
        options.created_at = e.created_at;
        auto rendered = pdf::remote_render(m_pdf, text, values, options);
        if (!rendered) {
            return std::move(rendered).error();
        }
        pdf_bytes = std::move(rendered->pdf);
        for (const auto& p : rendered->placements) {
            e.fields.push_back({p, "", false});
        }
        if (info->tmpl.name == "roi") {
            doc_type = "roi";
            e.purpose = "roi";
        } else if (info->tmpl.name == "reunification-agreement") {
            doc_type = "reunification-agreement";
            e.purpose = "agreement";
            if (const auto it = values.fields.find("process.mode"); it != values.fields.end()) {
                e.process_mode = it->second;
            }
        } else {
            e.purpose = "other";
        }
        e.title = request.title.empty() ? info->tmpl.description : request.title;
        UploadRequest up;
        up.case_id = e.case_id;
        up.type = doc_type;
        up.title = e.title;
        up.filename = info->tmpl.name + ".pdf";
        auto stored = m_vault.store_bytes(who.user_id, up, pdf_bytes, access->my_parties.front().id, req);
        if (!stored) {
            return std::move(stored).error();
        }
        e.document_id = stored->id;
        e.base_version = stored->version;
    } else {
        auto current = m_vault.get(who, request.document_id, req);
        if (!current) {
            return std::move(current).error();
        }
        if (current->case_id != e.case_id) {
            return make_error(Errc::not_found, "No such document.");
        }
        e.document_id = current->id;
        e.base_version = current->version;
        if (!request.stamps.empty()) {
            auto original = m_vault.read_bytes(current->id, current->version);
            if (!original) {
                return std::move(original).error();
            }
            auto stamped = pdf::remote_stamp(m_pdf, *original, request.stamps);
            if (!stamped) {
                return std::move(stamped).error();
            }
            UploadRequest up;
            up.case_id = e.case_id;
            up.document_id = current->id;
            up.title = current->title;
            up.filename = current->filename;
            auto stored = m_vault.store_bytes(who.user_id, up, *stamped, access->my_parties.front().id, req);
            if (!stored) {
                return std::move(stored).error();
            }
            e.base_version = stored->version;
        }
        e.title = request.title.empty() ? current->title : request.title;
        e.purpose = current->type == "roi"                       ? "roi"
                    : current->type == "reunification-agreement" ? "agreement"
                                                                 : "other";
        const int last_page = static_cast<int>(std::max<std::int64_t>(1, current->pages)) - 1;
        int stacked = 0;
        for (const auto& s : e.signers) {
            bool has_sig = false;
            for (const FieldSpec& f : request.fields) {
                if (f.slot == s.slot && f.kind == "signature") {
                    has_sig = true;
                }
            }
            if (!has_sig) {
                // Default: signature boxes stacked up the bottom of the last page.
                request.fields.push_back({s.slot + ".signature", s.slot, "signature", last_page,
                                          pdf::Rect{72, 60.0 + 70.0 * stacked++, 240, 56}});
            }
        }
        for (const FieldSpec& f : request.fields) {
            if (slots.count(f.slot) == 0) {
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
            if (f.kind == "signature") {
                p.kind = pdf::FieldKind::signature;
            } else if (f.kind == "initials") {
                p.kind = pdf::FieldKind::initials;
            } else if (f.kind == "date") {
                p.kind = pdf::FieldKind::date;
            } else if (f.kind == "text") {
                p.kind = pdf::FieldKind::text;
            } else if (f.kind == "checkbox") {
                p.kind = pdf::FieldKind::checkbox;
            } else {
                return make_error(Errc::invalid_input,
                                  "field kind must be signature, initials, date, text or checkbox");
            }
            if (p.rect.width <= 0 || p.rect.height <= 0) {
                return make_error(Errc::invalid_input, "field " + p.name + " needs a width and a height");
            }
            e.fields.push_back({p, "", false});
        }
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
    add_event(e, "created", "", who.user_id, req, who.auth_method);
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(save(e));
        return m_audit.append(
            {who.user_id, "envelope.create", e.id, e.case_id, "ok",
             "document " + e.document_id + ", " + std::to_string(e.signers.size()) + " signer(s)", ""},
            req);
    }));
    return e;
}

Status Signing::notify_group(Envelope& e, int group, const std::string& kind) {
    for (auto& s : e.signers) {
        if (s.group != group || s.state == SignerState::completed || s.state == SignerState::declined) {
            continue;
        }
        if (s.state == SignerState::waiting) {
            s.state = SignerState::notified;
        }
        s.notified_at = m_clock.now();
        const std::string link = m_notifier.link("/sign.html#" + e.id);
        const std::string subject = kind == "reminder" ? "Reminder: a document is waiting for your signature"
                                                       : "A document is ready for your signature";
        KV_TRY(m_notifier.queue(
            kind, e.case_id,
            Mail{s.email, subject,
                 "Hello " + s.name + ",\n\n" + m_notifier.practice_name() +
                     " has sent you a document to review and sign in Kinvault.\n"
                     "Open this link and sign in to read it:\n\n" +
                     link + "\n\nThe document is not attached to this e-mail for your privacy.\n"}));
    }
    return {};
}

Result<Envelope> Signing::send(const Principal& who, const std::string& envelope_id, const RequestInfo& req) {
    auto lock = lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = load_for(who, envelope_id, true);
    if (!e) {
        return std::move(e).error();
    }
    if (e->state != EnvelopeState::draft) {
        return make_error(Errc::conflict, "This envelope was already sent.");
    }
    auto bytes = m_vault.read_bytes(e->document_id, e->current_version);
    if (!bytes) {
        return std::move(bytes).error();
    }
    e->sha256_before = crypto::to_hex(crypto::sha256(*bytes));
    e->signed_version_hashes = {e->sha256_before};
    e->state = EnvelopeState::sent;
    e->sent_at = m_clock.now();
    e->expires_at = e->sent_at + e->expires_in_days * 86400;
    add_event(*e, "sent", "", who.user_id, req, who.auth_method);
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(notify_group(*e, current_group(*e), "signing-request"));
        KV_TRY(save(*e));
        return m_audit.append(
            {who.user_id, "envelope.send", e->id, e->case_id, "ok", "sent for signature", ""}, req);
    }));
    return e;
}

Result<Envelope> Signing::remind(const Principal& who, const std::string& envelope_id,
                                 const RequestInfo& req) {
    auto lock = lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = load_for(who, envelope_id, true);
    if (!e) {
        return std::move(e).error();
    }
    KV_TRY(check_expiry(*e, req));
    if (e->state != EnvelopeState::sent) {
        return make_error(Errc::conflict, "Only an envelope waiting for signatures can be reminded.");
    }
    add_event(*e, "reminded", "", who.user_id, req, who.auth_method);
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(notify_group(*e, current_group(*e), "reminder"));
        KV_TRY(save(*e));
        return m_audit.append(
            {who.user_id, "envelope.remind", e->id, e->case_id, "ok", "reminder queued", ""}, req);
    }));
    return e;
}

Result<Envelope> Signing::void_envelope(const Principal& who, const std::string& envelope_id,
                                        const std::string& reason, const RequestInfo& req) {
    auto lock = lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = load_for(who, envelope_id, true);
    if (!e) {
        return std::move(e).error();
    }
    if (reason.empty()) {
        return make_error(Errc::invalid_input, "Say why the envelope is voided.");
    }
    if (e->state != EnvelopeState::draft && e->state != EnvelopeState::sent) {
        return make_error(Errc::conflict,
                          "Only a draft or an envelope waiting for signatures can be voided.");
    }
    e->state = EnvelopeState::voided;
    e->void_reason = reason;
    add_event(*e, "voided", "", who.user_id, req, who.auth_method, reason);
    KV_TRY(m_store.transaction([&]() -> Status {
        for (const auto& s : e->signers) {
            if (s.state != SignerState::waiting) {
                KV_TRY(m_notifier.queue("voided", e->case_id,
                                        Mail{s.email, "A document no longer needs your signature",
                                             "Hello " + s.name + ",\n\n" + m_notifier.practice_name() +
                                                 " has withdrawn a document it had sent you for signature. "
                                                 "Nothing more is needed from you.\n"}));
            }
        }
        KV_TRY(save(*e));
        return m_audit.append(
            {who.user_id, "envelope.void", e->id, e->case_id, "ok", "voided by the sender", ""}, req);
    }));
    return e;
}

Result<Envelope> Signing::status(const Principal& who, const std::string& envelope_id) {
    auto e = load_for(who, envelope_id, false);
    if (!e) {
        return std::move(e).error();
    }
    KV_TRY(check_expiry(*e, {"local", "kinvaultd"}));
    return e;
}

Result<std::vector<Envelope>> Signing::list(const Principal& who, const std::string& case_id) {
    auto access = m_gate.case_access(who, case_id);
    if (!access) {
        return std::move(access).error();
    }
    auto rows = m_store.records_of_case(k_record_kind, case_id);
    if (!rows) {
        return std::move(rows).error();
    }
    std::vector<Envelope> out;
    for (const auto& r : *rows) {
        auto json = m_keyring.open_field(r.sealed, "record:envelope:" + r.id);
        if (!json) {
            return std::move(json).error();
        }
        auto e = decode_envelope(*json);
        if (!e) {
            return std::move(e).error();
        }
        bool mine = access->is_case_clinician;
        for (const auto& s : e->signers) {
            for (const auto& p : access->my_parties) {
                mine = mine || p.id == s.party_id;
            }
        }
        if (mine) {
            out.push_back(std::move(e).value());
        }
    }
    return out;
}

// ------------------------------------------------------------------------------------------------ signer
// acts

Result<Signing::Viewed> Signing::view(const Principal& who, const std::string& envelope_id,
                                      const RequestInfo& req) {
    auto lock = lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = load_for(who, envelope_id, false);
    if (!e) {
        return std::move(e).error();
    }
    KV_TRY(check_expiry(*e, req));
    if (e->state == EnvelopeState::draft) {
        return make_error(Errc::conflict, "This envelope has not been sent yet.");
    }
    auto bytes = m_vault.read_bytes(e->document_id, e->current_version);
    if (!bytes) {
        return std::move(bytes).error();
    }
    Viewed v;
    v.sha256 = crypto::to_hex(crypto::sha256(*bytes));
    v.version = e->current_version;
    v.pdf = std::move(bytes).value();
    auto index = my_signer(who, *e);
    KV_TRY(m_store.transaction([&]() -> Status {
        if (index) {
            EnvelopeSigner& s = e->signers[*index];
            if (s.viewed_at == 0) {
                s.viewed_at = m_clock.now();
            }
            if (s.state == SignerState::waiting || s.state == SignerState::notified) {
                s.state = SignerState::viewed;
            }
            add_event(*e, "opened", s.slot, who.user_id, req, who.auth_method, "sha256 " + v.sha256);
            KV_TRY(save(*e));
        }
        JsonObjectWriter d;
        d.field("version", v.version).field("sha256", v.sha256);
        return m_audit.append({who.user_id, "envelope.view", e->id, e->case_id, "permit",
                               index ? "signer reviewing the document" : "case clinician", d.str()},
                              req);
    }));
    return v;
}

Status Signing::consent(const Principal& who, const std::string& envelope_id, const std::string& version,
                        bool accept, const RequestInfo& req) {
    if (!accept) {
        return make_error(Errc::invalid_input,
                          "Accept the consent to sign electronically, or ask the practice for paper.");
    }
    if (version != current_disclosure().version) {
        return make_error(Errc::conflict, "The consent text has changed; please read the current version.");
    }
    auto lock = lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = load_for(who, envelope_id, false);
    if (!e) {
        return std::move(e).error();
    }
    auto index = my_signer(who, *e);
    if (!index) {
        return std::move(index).error();
    }
    EnvelopeSigner& s = e->signers[*index];
    s.consented_at = m_clock.now();
    s.disclosure_version = version;
    if (s.state == SignerState::viewed || s.state == SignerState::notified ||
        s.state == SignerState::waiting) {
        s.state = SignerState::consented;
    }
    add_event(*e, "consented", s.slot, who.user_id, req, who.auth_method, "disclosure " + version);
    storage::SealedRecord c;
    c.kind = "esign-consent";
    c.id = who.user_id;
    c.state = "accepted";
    c.updated_at = m_clock.now();
    JsonObjectWriter w;
    w.field("version", version).field("at", format_utc(c.updated_at)).field("client", req.client_address);
    c.sealed = m_keyring.seal_field(w.str(), "record:esign-consent:" + who.user_id);
    return m_store.transaction([&]() -> Status {
        KV_TRY(m_store.put_record(c));
        KV_TRY(save(*e));
        return m_audit.append(
            {who.user_id, "esign.consent", e->id, e->case_id, "ok", "disclosure " + version, ""}, req);
    });
}

Status Signing::withdraw_consent(const Principal& who, const RequestInfo& req) {
    storage::SealedRecord c;
    c.kind = "esign-consent";
    c.id = who.user_id;
    c.state = "withdrawn";
    c.updated_at = m_clock.now();
    JsonObjectWriter w;
    w.field("withdrawn_at", format_utc(c.updated_at)).field("client", req.client_address);
    c.sealed = m_keyring.seal_field(w.str(), "record:esign-consent:" + who.user_id);
    return m_store.transaction([&]() -> Status {
        KV_TRY(m_store.put_record(c));
        return m_audit.append({who.user_id, "esign.withdraw", who.user_id, "", "ok",
                               "consent to sign electronically withdrawn (going forward)", ""},
                              req);
    });
}

Result<pdf::SignatureRequest> Signing::signature_request(Envelope& e, std::size_t index, const SignAct& act,
                                                         const std::string& signer_name) {
    const EnvelopeSigner& s = e.signers[index];
    pdf::SignatureRequest r;
    r.signer_name = signer_name;
    r.capacity = capacity_words(s.capacity);
    r.reason = "Signed as " + capacity_words(s.capacity) + " (" + s.role + ") in Kinvault envelope " + e.id;
    r.signature_id = crypto::random_id("sig");
    r.signing_time = m_clock.now();
    bool found = false;
    for (auto& f : e.fields) {
        if (f.placement.signer != s.slot) {
            continue;
        }
        if (f.placement.kind == pdf::FieldKind::signature) {
            if (!found) {
                r.field_name = "sig_" + s.slot;
                r.page = f.placement.page;
                r.rect = f.placement.rect;
                found = true;
            }
            continue;
        }
        std::string value;
        const auto it = act.fields.find(f.placement.name);
        if (it != act.fields.end()) {
            value = it->second;
        }
        if (f.placement.kind == pdf::FieldKind::date && value.empty()) {
            value = format_date(r.signing_time);
        }
        if (f.placement.kind == pdf::FieldKind::initials && value.empty()) {
            // Initials of the adopted signature, e.g. "Zoë O'Brien-Núñez" -> "ZO".
            std::istringstream words(act.typed_signature);
            std::string w;
            while (words >> w) {
                std::size_t len = 1;
                const auto c = static_cast<unsigned char>(w[0]);
                len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
                value += w.substr(0, len);
            }
        }
        if (f.placement.kind == pdf::FieldKind::text && value.empty()) {
            return make_error(Errc::invalid_input, "Please fill in the field " + f.placement.name + ".");
        }
        if (value.size() > 500) {
            return make_error(Errc::invalid_input, "The value of " + f.placement.name + " is too long.");
        }
        f.value = value;
        f.checked = f.placement.kind == pdf::FieldKind::checkbox &&
                    (value == "true" || value == "yes" || value == "1" || value == "on" || value == "x");
        pdf::FieldValue fv;
        fv.placement = f.placement;
        // A '.' separates levels of a PDF field name (ISO 32000-1 §12.7.3.2): our flat names use '_'.
        std::replace(fv.placement.name.begin(), fv.placement.name.end(), '.', '_');
        fv.text = value;
        fv.checked = f.checked;
        r.fields.push_back(fv);
    }
    if (!found) {
        return make_error(Errc::internal, "signer has no signature field");
    }
    return r;
}

Result<Envelope> Signing::apply_signature(const Principal& who, Envelope e, std::size_t index,
                                          const Bytes& signed_pdf, const std::string& fingerprint,
                                          const std::string& mode, const SignAct& act,
                                          const RequestInfo& req) {
    EnvelopeSigner& s = e.signers[index];
    s.state = SignerState::completed;
    s.signed_at = m_clock.now();
    s.viewed_sha256 = act.viewed_sha256;
    s.certificate_fingerprint = fingerprint;
    s.signing_mode = mode;
    s.auth_method = auth_words(who.auth_method.find("totp") != std::string::npos || !act.totp.empty()
                                   ? std::string("password+totp")
                                   : std::string("password"));
    s.client_address = req.client_address;
    s.user_agent = req.user_agent.substr(0, 200);
    s.typed_signature = act.typed_signature;
    s.drawn_signature = !act.drawn_signature_png.empty();
    for (const auto& f : e.fields) {
        if (f.placement.signer == s.slot && f.placement.kind != pdf::FieldKind::signature) {
            add_event(e, "field_filled", s.slot, who.user_id, req, s.auth_method, f.placement.name);
        }
    }
    add_event(e, "signed", s.slot, who.user_id, req, s.auth_method, "signature " + s.signature_id);
    UploadRequest up;
    up.case_id = e.case_id;
    up.document_id = e.document_id;
    up.title = e.title;
    up.filename = e.title + ".pdf";
    const std::int64_t finished_group = s.group;
    Status st = m_store.transaction([&]() -> Status {
        auto stored = m_vault.store_bytes(who.user_id, up, signed_pdf, s.party_id, req);
        if (!stored) {
            return std::move(stored).error();
        }
        e.current_version = stored->version;
        e.signed_version_hashes.push_back(stored->sha256);
        JsonObjectWriter d;
        d.field("slot", s.slot).field("signature_id", s.signature_id).field("version", stored->version);
        KV_TRY(m_audit.append({who.user_id, "envelope.sign", e.id, e.case_id, "ok",
                               "signed as " + capacity_words(s.capacity) + " (" + mode + ")", d.str()},
                              req));
        const int next = current_group(e);
        if (next != 0 && next != finished_group) {
            KV_TRY(notify_group(e, next, "signing-request"));
        }
        return save(e);
    });
    if (!st) {
        return std::move(st).error();
    }
    if (current_group(e) == 0) {
        KV_TRY(complete(e, req));
    }
    return e;
}

Result<Envelope> Signing::sign(const Principal& who, const std::string& envelope_id, SignAct act,
                               const RequestInfo& req) {
    // Signers of one group may press "sign" at the same moment: each envelope's updates are serialised here,
    // and each signature is an incremental update on top of the previous one, so none invalidates another.
    auto lock = lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = load_for(who, envelope_id, false);
    if (!e) {
        return std::move(e).error();
    }
    KV_TRY(check_expiry(*e, req));
    auto index = my_signer(who, *e);
    if (!index) {
        return std::move(index).error();
    }
    KV_TRY(check_act(who, *e, *index, act, req));
    auto bytes = m_vault.read_bytes(e->document_id, e->current_version);
    if (!bytes) {
        return std::move(bytes).error();
    }
    const std::string signer_name = e->signers[*index].name;
    auto key = signer_key(who, signer_name);
    if (!key) {
        return std::move(key).error();
    }
    auto request = signature_request(*e, *index, act, signer_name);
    if (!request) {
        return std::move(request).error();
    }
    e->signers[*index].signature_id = request->signature_id;
    e->signers[*index].signature_field = request->field_name;
    auto signed_pdf = sign_with(*bytes, *request, *key);
    if (!signed_pdf) {
        return std::move(signed_pdf).error();
    }
    auto fp = crypto::certificate_fingerprint(key->certificate_pem);
    return apply_signature(who, std::move(e).value(), *index, *signed_pdf, fp ? *fp : std::string(),
                           "practice-issued key", act, req);
}

Result<Envelope> Signing::decline(const Principal& who, const std::string& envelope_id,
                                  const std::string& reason, const RequestInfo& req) {
    auto lock = lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = load_for(who, envelope_id, false);
    if (!e) {
        return std::move(e).error();
    }
    KV_TRY(check_expiry(*e, req));
    auto index = my_signer(who, *e);
    if (!index) {
        return std::move(index).error();
    }
    if (reason.empty() || reason.size() > 2000) {
        return make_error(Errc::invalid_input, "Please say why you are declining (up to 2000 characters).");
    }
    if (e->state != EnvelopeState::sent) {
        KV_TRY(check_turn(*e, *index));
    }
    EnvelopeSigner& s = e->signers[*index];
    if (s.state == SignerState::completed) {
        return make_error(Errc::conflict, "You have already signed this envelope.");
    }
    s.state = SignerState::declined;
    s.decline_reason = reason;
    e->state = EnvelopeState::declined;
    add_event(*e, "declined", s.slot, who.user_id, req, who.auth_method, reason);
    auto sender = m_accounts.user(e->created_by);
    std::string sender_email;
    if (sender) {
        if (auto em = m_accounts.user_email(*sender)) {
            sender_email = *em;
        }
    }
    KV_TRY(m_store.transaction([&]() -> Status {
        if (!sender_email.empty()) {
            KV_TRY(m_notifier.queue("declined", e->case_id,
                                    Mail{sender_email, "A signer declined a document",
                                         s.name + " declined to sign \"" + e->title +
                                             "\". Their reason is in Kinvault:\n\n" +
                                             m_notifier.link("/envelope.html#" + e->id) + "\n"}));
        }
        KV_TRY(save(*e));
        return m_audit.append(
            {who.user_id, "envelope.decline", e->id, e->case_id, "ok", "declined by " + s.slot, ""}, req);
    }));
    return e;
}

// ------------------------------------------------------------------------------------------------ own
// certificate

Result<ExternalPrepared> Signing::prepare_external(const Principal& who, const std::string& envelope_id,
                                                   SignAct act, const std::string& certificate_pem,
                                                   const std::vector<std::string>& chain_pem,
                                                   const RequestInfo& req) {
    auto lock = lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = load_for(who, envelope_id, false);
    if (!e) {
        return std::move(e).error();
    }
    KV_TRY(check_expiry(*e, req));
    auto index = my_signer(who, *e);
    if (!index) {
        return std::move(index).error();
    }
    KV_TRY(check_act(who, *e, *index, act, req));
    auto info = crypto::describe_certificate(certificate_pem);
    if (!info) {
        return make_error(Errc::invalid_input, "That is not a certificate (PEM expected).");
    }
    if (info->not_after < m_clock.now() || info->not_before > m_clock.now()) {
        return make_error(Errc::invalid_input, "Your certificate is not valid today.");
    }
    auto bytes = m_vault.read_bytes(e->document_id, e->current_version);
    if (!bytes) {
        return std::move(bytes).error();
    }
    auto request = signature_request(*e, *index, act, info->common_name);
    if (!request) {
        return std::move(request).error();
    }
    auto prepared = pdf::remote_prepare(m_pdf, *bytes, *request);
    if (!prepared) {
        return std::move(prepared).error();
    }
    auto digest = pdf::byte_range_digest(*prepared);
    if (!digest) {
        return std::move(digest).error();
    }
    auto pending = std::make_shared<Pending>();
    pending->envelope_id = envelope_id;
    pending->slot = e->signers[*index].slot;
    pending->user_id = who.user_id;
    pending->prepared = std::move(prepared).value();
    pending->digest = *digest;
    pending->certificate_pem = certificate_pem;
    pending->chain_pem = chain_pem;
    pending->expires_at = m_clock.now() + 600;
    pending->act.viewed_sha256 = act.viewed_sha256;
    pending->act.intent = act.intent;
    pending->act.typed_signature = act.typed_signature;
    pending->act.totp = act.totp;
    pending->act.fields = act.fields;
    pending->signature_id = request->signature_id;
    for (const auto& f : e->fields) {
        if (f.placement.signer == e->signers[*index].slot && f.placement.kind != pdf::FieldKind::signature) {
            pending->stamped[f.placement.name] = f.value;
        }
    }
    ExternalPrepared out;
    out.prepared_id = crypto::random_id("prep");
    out.digest_hex = crypto::to_hex(*digest);
    out.field_name = request->field_name;
    {
        std::lock_guard<std::mutex> g(m_pending_mutex);
        // Drop stale preparations so abandoned ones do not accumulate.
        for (auto it = m_pending.begin(); it != m_pending.end();) {
            it = it->second->expires_at < m_clock.now() ? m_pending.erase(it) : std::next(it);
        }
        m_pending[out.prepared_id] = pending;
    }
    (void)m_audit.append(
        {who.user_id, "envelope.prepare-external", e->id, e->case_id, "ok",
         "prepared for a signature with the signer's own certificate (" + info->common_name + ")", ""},
        req);
    return out;
}

Result<Envelope> Signing::complete_external(const Principal& who, const std::string& envelope_id,
                                            const std::string& prepared_id, const Bytes& cms_der,
                                            const RequestInfo& req) {
    std::shared_ptr<Pending> pending;
    {
        std::lock_guard<std::mutex> g(m_pending_mutex);
        const auto it = m_pending.find(prepared_id);
        if (it != m_pending.end() && it->second->user_id == who.user_id &&
            it->second->envelope_id == envelope_id) {
            pending = it->second;
            m_pending.erase(it);
        }
    }
    if (!pending || pending->expires_at < m_clock.now()) {
        return make_error(Errc::gone,
                          "That preparation expired or does not exist; prepare the signature again.");
    }
    auto lock = lock_for(envelope_id);
    std::lock_guard<std::mutex> guard(*lock);
    auto e = load_for(who, envelope_id, false);
    if (!e) {
        return std::move(e).error();
    }
    auto index = my_signer(who, *e);
    if (!index) {
        return std::move(index).error();
    }
    KV_TRY(check_turn(*e, *index));
    if (pending->prepared.pdf.empty()) {
        return make_error(Errc::internal, "prepared document missing");
    }
    // The document must not have moved on since the preparation (another signer in the group).
    auto current = m_vault.read_bytes(e->document_id, e->current_version);
    if (!current) {
        return std::move(current).error();
    }
    if (current->size() > pending->prepared.pdf.size() ||
        !std::equal(current->begin(), current->end(), pending->prepared.pdf.begin())) {
        return make_error(Errc::conflict, "Someone signed in the meantime; prepare your signature again.");
    }
    auto check = crypto::cms_verify(cms_der, pending->digest, {});
    if (!check) {
        return make_error(Errc::invalid_input,
                          "The signature is not a valid CMS structure: " + check.error().message);
    }
    auto declared = crypto::describe_certificate(pending->certificate_pem);
    if (check->message_digest != crypto::CheckState::passed ||
        check->signature != crypto::CheckState::passed || !declared ||
        check->signer.fingerprint != declared->fingerprint) {
        return make_error(Errc::invalid_input,
                          "The signature does not match the prepared document or the declared certificate.");
    }
    auto signed_pdf = pdf::inject_signature(pending->prepared, cms_der);
    if (!signed_pdf) {
        return std::move(signed_pdf).error();
    }
    EnvelopeSigner& s = e->signers[*index];
    s.signature_field = pending->prepared.field_name;
    s.signature_id = pending->signature_id;
    // Field values were fixed (and drawn) when the signature was prepared.
    for (auto& f : e->fields) {
        if (f.placement.signer == s.slot) {
            const auto it = pending->stamped.find(f.placement.name);
            if (it != pending->stamped.end()) {
                f.value = it->second;
            }
        }
    }
    return apply_signature(who, std::move(e).value(), *index, *signed_pdf, declared->fingerprint,
                           "own certificate", pending->act, req);
}

// ------------------------------------------------------------------------------------------------ completion

// One signature end to end: the worker prepares the incremental update, this process hashes the byte range
// and makes the CMS (the key never enters the worker), then writes it into the placeholder.
Result<Bytes> Signing::sign_with(const Bytes& pdf, const pdf::SignatureRequest& request,
                                 const crypto::CertifiedKey& key) {
    auto prepared = pdf::remote_prepare(m_pdf, pdf, request);
    if (!prepared) {
        return std::move(prepared).error();
    }
    auto digest = pdf::byte_range_digest(*prepared);
    if (!digest) {
        return std::move(digest).error();
    }
    auto cms =
        crypto::cms_sign(*digest, key.private_key_pem, key.certificate_pem, {m_keys.root.certificate_pem});
    if (!cms) {
        return std::move(cms).error();
    }
    return pdf::inject_signature(*prepared, *cms);
}

Result<Bytes> Signing::seal_pdf(const Bytes& pdf, const std::string& reason, UnixTime when) {
    pdf::SignatureRequest r;
    r.field_name = "practice_seal_" + crypto::random_id("s").substr(2, 8);
    r.page = 0;
    r.rect = pdf::Rect{0, 0, 0, 0}; // invisible: the seal covers the file, it marks no page
    r.signer_name = m_keys.practice_name + " (document seal)";
    r.capacity = "Practice seal";
    r.reason = reason;
    r.signature_id = crypto::random_id("seal");
    r.signing_time = when;
    return sign_with(pdf, r, m_keys.seal);
}

Status Signing::complete(Envelope& e, const RequestInfo& req) {
    const UnixTime now = m_clock.now();
    auto last = m_vault.read_bytes(e.document_id, e.current_version);
    if (!last) {
        return std::move(last).error();
    }
    e.sha256_after = crypto::to_hex(crypto::sha256(*last));
    e.completed_at = now;

    // The executed document carries a final practice seal over the whole file.
    auto sealed = seal_pdf(*last, "Executed: every signer of Kinvault envelope " + e.id + " has signed", now);
    if (!sealed) {
        return std::move(sealed).error();
    }
    e.sha256_sealed = crypto::to_hex(crypto::sha256(*sealed));

    // The certificate of completion, rendered from its template and sealed by the practice.
    auto info = template_named("certificate-of-completion");
    if (!info) {
        return std::move(info).error();
    }
    pdf::TemplateValues v;
    v.fields["practice.name"] = m_keys.practice_name;
    v.fields["envelope.id"] = e.id;
    v.fields["envelope.sender"] = e.created_by_name;
    v.fields["envelope.created_at"] = format_utc(e.created_at);
    v.fields["envelope.completed_at"] = format_utc(now);
    std::map<int, std::vector<std::string>> groups;
    for (const auto& s : e.signers) {
        groups[s.group].push_back(s.name + " (" + s.role + ")");
    }
    std::string routing;
    for (const auto& [g, names] : groups) {
        std::string joined;
        for (const auto& n : names) {
            joined += (joined.empty() ? "" : ", ") + n;
        }
        routing += (routing.empty() ? "" : "; ") + std::string("group ") + std::to_string(g) + ": " + joined;
    }
    v.fields["envelope.routing"] = routing;
    v.fields["document.title"] = e.title;
    v.fields["document.sha256_before"] = e.sha256_before;
    v.fields["document.sha256_after"] = e.sha256_after;
    auto view_pages = m_store.version_of(e.document_id, e.current_version);
    v.fields["document.pages"] =
        view_pages && view_pages->has_value() ? std::to_string((*view_pages)->pages) : "?";
    v.fields["disclosure.version"] = current_disclosure().version;
    std::vector<const EnvelopeSigner*> order;
    for (const auto& s : e.signers) {
        order.push_back(&s);
    }
    std::sort(order.begin(), order.end(),
              [](const EnvelopeSigner* a, const EnvelopeSigner* b) { return a->signed_at < b->signed_at; });
    for (const EnvelopeSigner* s : order) {
        v.lists["signers"].push_back(
            {{"name", s->name},
             {"email", s->email},
             {"role", s->role},
             {"capacity", capacity_words(s->capacity) +
                              (s->authority.empty() ? "" : " (authority: " + s->authority + ")")},
             {"auth_method", s->auth_method + ", " + s->signing_mode},
             {"client_address", s->client_address},
             {"user_agent", s->user_agent},
             {"consented_at", format_utc(s->consented_at)},
             {"viewed_at", format_utc(s->viewed_at)},
             {"signed_at", format_utc(s->signed_at)},
             {"signature_id", s->signature_id}});
    }
    for (const auto& ev : e.events) {
        std::string who = ev.slot.empty() ? ev.actor : ev.slot;
        v.lists["events"].push_back({{"at", format_utc(ev.at)},
                                     {"text", ev.type + " by " + who + " from " + ev.client_address +
                                                  (ev.detail.empty() ? "" : " (" + ev.detail + ")")}});
    }
    const std::string text = read_text(std::filesystem::path(m_templates_dir) / info->file);
    pdf::RemoteRenderOptions options;
    options.document_id = e.id + "-certificate";
    options.created_at = now;
    auto rendered = pdf::remote_render(m_pdf, text, v, options);
    if (!rendered) {
        return std::move(rendered).error();
    }
    pdf::SignatureRequest r;
    r.field_name = "practice_seal";
    r.signer_name = m_keys.practice_name + " (document seal)";
    r.capacity = "Practice seal";
    r.reason = "Certificate of completion of Kinvault envelope " + e.id;
    r.signature_id = crypto::random_id("seal");
    r.signing_time = now;
    for (const auto& p : rendered->placements) {
        if (p.kind == pdf::FieldKind::signature) {
            r.page = p.page;
            r.rect = p.rect;
            break;
        }
    }
    auto certificate = sign_with(rendered->pdf, r, m_keys.seal);
    if (!certificate) {
        return std::move(certificate).error();
    }

    e.state = EnvelopeState::completed;
    add_event(e, "completed", "", "system", req, "");
    return m_store.transaction([&]() -> Status {
        UploadRequest up;
        up.case_id = e.case_id;
        up.document_id = e.document_id;
        up.title = e.title;
        up.filename = e.title + " (executed).pdf";
        auto stored = m_vault.store_bytes(e.created_by, up, *sealed, "", req);
        if (!stored) {
            return std::move(stored).error();
        }
        e.current_version = stored->version;
        UploadRequest cert_up;
        cert_up.case_id = e.case_id;
        cert_up.type = "other";
        cert_up.title = "Certificate of completion: " + e.title;
        cert_up.filename = "certificate-of-completion-" + e.id + ".pdf";
        auto cert_doc = m_vault.store_bytes(e.created_by, cert_up, *certificate, "", req);
        if (!cert_doc) {
            return std::move(cert_doc).error();
        }
        e.certificate_document_id = cert_doc->id;
        auto doc = m_store.document_by_id(e.document_id);
        if (doc && doc->has_value()) {
            storage::DocumentRecord d = **doc;
            d.state = "executed";
            KV_TRY(m_store.update_document(d));
        }
        KV_TRY(save(e));
        for (const auto& s : e.signers) {
            KV_TRY(m_notifier.queue("completion", e.case_id,
                                    Mail{s.email, "Everyone has signed: your copy is ready",
                                         "Hello " + s.name + ",\n\nEveryone has signed \"" + e.title +
                                             "\". You can download your signed copy in Kinvault:\n\n" +
                                             m_notifier.link("/documents.html#" + e.document_id) + "\n"}));
        }
        JsonObjectWriter d;
        d.field("sha256_before", e.sha256_before)
            .field("sha256_after", e.sha256_after)
            .field("sha256_sealed", e.sha256_sealed);
        KV_TRY(m_audit.append({"system", "envelope.complete", e.id, e.case_id, "ok",
                               "executed and sealed; certificate " + e.certificate_document_id, d.str()},
                              req));
        if (m_on_completed) {
            KV_TRY(m_on_completed(e, req));
        }
        return {};
    });
}

Result<int> Signing::expire_due(const RequestInfo& req) {
    auto rows = m_store.records_in_state(k_record_kind, "sent");
    if (!rows) {
        return std::move(rows).error();
    }
    int expired = 0;
    for (const auto& r : *rows) {
        auto lock = lock_for(r.id);
        std::lock_guard<std::mutex> guard(*lock);
        auto e = load(r.id);
        if (!e) {
            continue;
        }
        const auto before = e->state;
        KV_TRY(check_expiry(*e, req));
        if (before != e->state) {
            ++expired;
        }
    }
    return expired;
}

} // namespace kinvault::services
