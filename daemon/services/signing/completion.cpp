#include "services/signing/completion.h"

#include "crypto/sha256.h"
#include "pdf/remote.h"
#include "services/audit_actions.h"
#include "services/signing/disclosure.h"
#include "json/writer.h"

#include <algorithm>
#include <map>

namespace kinvault::services {

Completion::Completion(storage::Store& store, AuditLog& audit, Vault& vault, EnvelopeRecords& records,
                       const Templates& templates, PdfSigner& signer, SignerNotices& notices,
                       pdf::PdfGateway& pdf, const Clock& clock, std::string practice_name)
    : m_store(store), m_audit(audit), m_vault(vault), m_records(records), m_templates(templates),
      m_signer(signer), m_notices(notices), m_pdf(pdf), m_clock(clock),
      m_practice_name(std::move(practice_name)) {}

Status Completion::complete(Envelope& e, const RequestInfo& req) {
    const UnixTime now = m_clock.now();
    auto last = KV_TRY_VALUE(m_vault.read_bytes(e.document_id, e.current_version));
    e.sha256_after = crypto::to_hex(crypto::sha256(last));
    e.completed_at = now;

    // The executed document carries a final practice seal over the whole file.
    auto sealed = KV_TRY_VALUE(
        m_signer.seal(last, "Executed: every signer of Kinvault envelope " + e.id + " has signed", now));
    e.sha256_sealed = crypto::to_hex(crypto::sha256(sealed));

    auto certificate = KV_TRY_VALUE(certificate_of_completion(e, now));

    e.state = EnvelopeState::completed;
    m_records.add_event(e, "completed", "", "system", req, "");
    return store_executed(e, sealed, certificate, req);
}

pdf::TemplateValues Completion::certificate_values(const Envelope& e, UnixTime now) {
    pdf::TemplateValues v;
    v.fields["practice.name"] = m_practice_name;
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
             {"capacity",
              capacity_words(*s) + (s->authority.empty() ? "" : " (authority: " + s->authority + ")")},
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
    return v;
}

// The certificate of completion, rendered from its template and sealed by the practice where the template
// places its signature.
Result<Bytes> Completion::certificate_of_completion(const Envelope& e, UnixTime now) {
    auto info = KV_TRY_VALUE(m_templates.named("certificate-of-completion"));
    const pdf::TemplateValues values = certificate_values(e, now);
    pdf::RemoteRenderOptions options;
    options.document_id = e.id + "-certificate";
    options.created_at = now;
    const auto source = KV_TRY_VALUE(m_templates.source(info));
    auto rendered = KV_TRY_VALUE(pdf::remote_render(m_pdf, source, values, options));
    pdf::SignatureRequest r;
    r.field_name = "practice_seal";
    r.reason = "Certificate of completion of Kinvault envelope " + e.id;
    r.signing_time = now;
    for (const auto& p : rendered.placements) {
        if (p.kind == pdf::FieldKind::signature) {
            r.page = p.page;
            r.rect = p.rect;
            break;
        }
    }
    return m_signer.seal_in(rendered.pdf, std::move(r));
}

Status Completion::store_executed(Envelope& e, const Bytes& sealed, const Bytes& certificate,
                                  const RequestInfo& req) {
    return m_store.transaction([&]() -> Status {
        UploadRequest up;
        up.case_id = e.case_id;
        up.document_id = e.document_id;
        up.title = e.title;
        up.filename = e.title + " (executed).pdf";
        auto stored = KV_TRY_VALUE(m_vault.store_bytes(e.created_by, up, sealed, "", req));
        e.current_version = stored.version;
        UploadRequest cert_up;
        cert_up.case_id = e.case_id;
        cert_up.type = "other";
        cert_up.title = "Certificate of completion: " + e.title;
        cert_up.filename = "certificate-of-completion-" + e.id + ".pdf";
        auto cert_doc = KV_TRY_VALUE(m_vault.store_bytes(e.created_by, cert_up, certificate, "", req));
        e.certificate_document_id = cert_doc.id;
        auto doc = m_store.document_by_id(e.document_id);
        if (doc && doc->has_value()) {
            storage::DocumentRecord d = **doc;
            d.state = "executed";
            KV_TRY(m_store.update_document(d));
        }
        KV_TRY(m_records.save(e));
        KV_TRY(m_notices.completed(e));
        json::ObjectWriter d;
        d.field("sha256_before", e.sha256_before)
            .field("sha256_after", e.sha256_after)
            .field("sha256_sealed", e.sha256_sealed);
        KV_TRY(m_audit.append({.actor = "system",
                               .action = audit_action::envelope_complete,
                               .object = e.id,
                               .case_id = e.case_id,
                               .decision = "ok",
                               .reason = "executed and sealed; certificate " + e.certificate_document_id,
                               .details = d.str()},
                              req));
        if (m_on_completed) {
            KV_TRY(m_on_completed(e, req));
        }
        return {};
    });
}

} // namespace kinvault::services
