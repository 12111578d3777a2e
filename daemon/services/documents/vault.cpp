#include "services/documents/vault.h"

#include "crypto/random.h"
#include "crypto/sha256.h"
#include "services/audit_actions.h"
#include "json/writer.h"

namespace kinvault::services {

Vault::Vault(storage::Store& store, storage::BlobStore& blobs, const barrier::Barrier& barrier,
             AuditLog& audit, ReleaseGate& gate, pdf::PdfGateway& pdf, const Clock& clock, VaultLimits limits)
    : m_store(store), m_blobs(blobs), m_barrier(barrier), m_audit(audit), m_gate(gate), m_pdf(pdf),
      m_clock(clock), m_limits(limits), m_streams(store, blobs, barrier) {}

Vault::~Vault() = default;

Result<DocumentView> Vault::view_of(const storage::DocumentRecord& d, const storage::VersionRecord& v) const {
    auto title = m_barrier.open_title(v);
    auto filename = m_barrier.open_filename(v);
    if (!title || !filename) {
        return make_error(Errc::integrity, "the document's stored metadata failed authentication");
    }
    DocumentView out;
    out.id = d.id;
    out.case_id = d.case_id;
    out.type = d.type;
    out.state = d.state;
    out.title = *title;
    out.filename = *filename;
    out.version = v.version;
    out.current_version = d.current_version;
    out.size = v.size;
    out.sha256 = v.sha256;
    out.pages = v.pages;
    out.uploaded_by = v.uploaded_by;
    out.uploaded_at = v.uploaded_at;
    out.created_by = d.created_by;
    out.created_by_party = d.created_by_party;
    return out;
}

Result<std::vector<DocumentView>> Vault::list(const Principal& who, const std::string& case_id,
                                              const RequestInfo& req) {
    const auto access =
        KV_TRY_VALUE(case_access_audited(m_gate, m_audit, who, case_id, audit_action::document_list, req));
    auto docs = KV_TRY_VALUE(m_store.documents_of_case(case_id));
    std::vector<DocumentView> out;
    std::int64_t withheld = 0;
    for (const auto& d : docs) {
        const AccessDecision decision = m_gate.decide(access, d, AccessAction::list);
        if (!decision.permit) {
            ++withheld;
            continue;
        }
        auto v = KV_TRY_VALUE(m_store.version_of(d.id, d.current_version));
        if (!v.has_value()) {
            continue;
        }
        auto view = KV_TRY_VALUE(view_of(d, *v));
        view.access_rule = decision.rule;
        view.access_basis = decision.basis;
        out.push_back(std::move(view));
    }
    json::ObjectWriter details;
    details.field("listed", static_cast<std::int64_t>(out.size())).field("withheld", withheld);
    // Fail closed: a listing that cannot be audited is not returned.
    KV_TRY(m_audit.append({.actor = who.user_id,
                           .action = audit_action::document_list,
                           .object = case_id,
                           .case_id = case_id,
                           .decision = "permit",
                           .reason = "listing filtered by the release gate",
                           .details = details.str()},
                          req));
    return out;
}

Result<DocumentView> Vault::get(const Principal& who, const std::string& document_id,
                                const RequestInfo& req) {
    const Error hidden = make_error(Errc::not_found, "No such document.");
    auto d = KV_TRY_VALUE(m_store.document_by_id(document_id));
    if (!d.has_value()) {
        (void)m_audit.append({.actor = who.user_id,
                              .action = audit_action::document_metadata,
                              .object = document_id,
                              .decision = "deny",
                              .reason = "no such document"},
                             req);
        return hidden;
    }
    auto access = m_gate.case_access(who, d->case_id);
    const AccessDecision decision =
        access ? m_gate.decide(*access, *d, AccessAction::read)
               : AccessDecision{false, "R1.deny-by-default", "", "not a party of the case", "", {}};
    KV_TRY(m_audit.append({.actor = who.user_id,
                           .action = audit_action::document_metadata,
                           .object = document_id,
                           .case_id = d->case_id,
                           .decision = decision.permit ? "permit" : "deny",
                           .reason = decision.rule + ": " + decision.reason},
                          req));
    if (!decision.permit) {
        return hidden;
    }
    auto v = KV_TRY_VALUE(m_store.version_of(document_id, d->current_version));
    if (!v.has_value()) {
        return hidden;
    }
    auto view = view_of(*d, *v);
    if (view) {
        view->access_rule = decision.rule;
        view->access_basis = decision.basis;
    }
    return view;
}

Result<std::vector<DocumentView>> Vault::versions(const Principal& who, const std::string& document_id,
                                                  const RequestInfo& req) {
    auto current = KV_TRY_VALUE(get(who, document_id, req));
    auto d = m_store.document_by_id(document_id);
    if (!d || !d->has_value()) {
        return make_error(Errc::not_found, "No such document.");
    }
    auto access = m_gate.case_access(who, (*d)->case_id);
    const bool old_allowed = access && m_gate.decide(*access, **d, AccessAction::read_old_version).permit;
    auto rows = KV_TRY_VALUE(m_store.versions_of(document_id));
    std::vector<DocumentView> out;
    for (const auto& v : rows) {
        if (v.version != (*d)->current_version && !old_allowed) {
            continue;
        }
        auto view = KV_TRY_VALUE(view_of(**d, v));
        out.push_back(std::move(view));
    }
    return out;
}

Result<OpenedDocument> Vault::open(const Principal& who, const std::string& document_id,
                                   std::optional<std::int64_t> version, const RequestInfo& req) {
    const Error hidden = make_error(Errc::not_found, "No such document.");
    // The document, the reader's standing in the case, the consents behind the decision and the version all
    // come from one snapshot of the store.
    std::optional<storage::DocumentRecord> d;
    Result<CaseAccess> access = make_error(Errc::internal, "not decided");
    AccessDecision decision{false, "R1.deny-by-default", "", "not a party of the case", "", {}};
    std::int64_t wanted = 0;
    std::optional<storage::VersionRecord> v;
    KV_TRY(m_store.snapshot([&]() -> Status {
        d = KV_TRY_VALUE(m_store.document_by_id(document_id));
        if (!d) {
            return {};
        }
        wanted = version.value_or(d->current_version);
        const AccessAction action =
            wanted == d->current_version ? AccessAction::read : AccessAction::read_old_version;
        access = m_gate.case_access(who, d->case_id);
        if (access) {
            decision = m_gate.decide(*access, *d, action);
        }
        if (decision.permit) {
            v = KV_TRY_VALUE(m_store.version_of(document_id, wanted));
        }
        return {};
    }));
    if (!d) {
        (void)m_audit.append({.actor = who.user_id,
                              .action = audit_action::document_read,
                              .object = document_id,
                              .decision = "deny",
                              .reason = "no such document"},
                             req);
        return hidden;
    }
    // A permitted read starts checking the stored file (and decrypting the first pieces) on a helper thread
    // while the audit entry commits here: nothing reaches the reader until both have finished.
    std::shared_ptr<DocumentStream> stream;
    if (decision.permit && v) {
        stream = m_streams.open(*v);
    }
    // Fail closed: the read is recorded before any byte leaves, or nothing leaves.
    KV_TRY(record_read(who, *d, wanted, access, decision, req));
    if (!decision.permit || !v) {
        return hidden;
    }
    // Nothing is served until the whole stored file has proved it is the one written: a damaged or tampered
    // file is refused before a single byte leaves. The bytes are then decrypted while they stream, each chunk
    // authenticated again, so memory never grows with document size.
    if (Status st = DocumentStreams::verified(*stream); !st) {
        (void)m_audit.append({.actor = "system",
                              .action = audit_action::document_integrity,
                              .object = document_id,
                              .case_id = d->case_id,
                              .decision = "error",
                              .reason = st.error().message},
                             req);
        return make_error(Errc::integrity,
                          "The stored copy of this document failed its integrity check and was not "
                          "served. The practice has been notified in the audit log.");
    }
    auto view = KV_TRY_VALUE(view_of(*d, *v));
    view.access_rule = decision.rule;
    view.access_basis = decision.basis;
    return OpenedDocument{std::move(view), *v, decision, std::move(stream)};
}

Status Vault::record_read(const Principal& who, const storage::DocumentRecord& d, std::int64_t version,
                          const Result<CaseAccess>& access, const AccessDecision& decision,
                          const RequestInfo& req) {
    json::ObjectWriter details;
    details.field("version", version);
    if (!decision.basis.empty()) {
        details.field("basis", decision.basis);
    }
    // A release to someone other than the case's clinician or the document's own author is a disclosure and
    // enters the accounting of disclosures (45 CFR 164.528) in the same transaction as its audit entry.
    const bool disclosure = decision.permit && !decision.basis.empty();
    return m_store.transaction([&]() -> Status {
        KV_TRY(m_audit.append({.actor = who.user_id,
                               .action = audit_action::document_read,
                               .object = d.id,
                               .case_id = d.case_id,
                               .decision = decision.permit ? "permit" : "deny",
                               .reason = decision.rule + ": " + decision.reason,
                               .details = details.str()},
                              req));
        if (disclosure) {
            storage::DisclosureRecord rec;
            rec.id = crypto::random_id("dsc");
            rec.case_id = d.case_id;
            rec.document_id = d.id;
            rec.version = version;
            rec.recipient_user = who.user_id;
            rec.recipient_party = access && !access->my_parties.empty() ? access->my_parties.front().id : "";
            rec.at = m_clock.now();
            rec.rule = decision.rule;
            rec.basis = decision.basis;
            rec.purpose = decision.purpose;
            KV_TRY(m_store.insert_disclosure(rec));
        }
        return {};
    });
}

Status Vault::write_to(const OpenedDocument& doc, const crypto::ByteSink& sink) const {
    if (!doc.stream) {
        return make_error(Errc::internal, "the document was not opened for reading");
    }
    return m_streams.write_to(doc.stream, sink);
}

Result<Bytes> Vault::read_bytes(const std::string& document_id, std::int64_t version) const {
    auto v = KV_TRY_VALUE(m_store.version_of(document_id, version));
    if (!v.has_value()) {
        return make_error(Errc::not_found, "No such document version.");
    }
    Bytes out;
    out.reserve(static_cast<std::size_t>(v->size));
    KV_TRY(m_streams.decrypt_blob(*v, [&](const std::uint8_t* d, std::size_t n) {
        out.insert(out.end(), d, d + n);
        return true;
    }));
    if (crypto::to_hex(crypto::sha256(out)) != v->sha256) {
        return make_error(Errc::integrity, "the stored document does not match its recorded SHA-256");
    }
    return out;
}

Result<std::size_t> Vault::remove_orphans() {
    auto referenced = KV_TRY_VALUE(m_store.all_blob_ids());
    return m_blobs.remove_orphans(referenced);
}

} // namespace kinvault::services
