#include "services/vault.h"

#include "crypto/random.h"
#include "crypto/sha256.h"
#include "domain/types.h"
#include "services/json_text.h"

#include <algorithm>
#include <cstring>

namespace kinvault::services {

std::string blob_binding(const std::string& document_id, std::int64_t version, std::uint32_t kek_version) {
    return "kinvault:blob:" + document_id + ":v" + std::to_string(version) + ":k" +
           std::to_string(kek_version);
}

std::string key_context(const std::string& document_id, std::int64_t version) {
    return "doc:" + document_id + ":v" + std::to_string(version);
}

namespace {

// Which document types each role may put into a case. The clinician prepares agreements, ROIs and
// reports; parents bring court orders and write clarification letters; counsel and therapists bring
// their own papers.
bool may_upload(domain::Role role, domain::DocType type) {
    using domain::DocType;
    using domain::Role;
    switch (role) {
    case Role::clinician:
        return true;
    case Role::parent:
        return type == DocType::court_order || type == DocType::clarification_letter ||
               type == DocType::other;
    case Role::attorney:
    case Role::minors_counsel:
    case Role::court:
        return type == DocType::court_order || type == DocType::other;
    case Role::child_therapist:
        return type == DocType::report || type == DocType::other;
    case Role::child:
        return type == DocType::other;
    }
    return false;
}

std::string initial_state(domain::DocType type) {
    switch (type) {
    case domain::DocType::court_order:
        return "received";
    case domain::DocType::clarification_letter:
    case domain::DocType::reunification_agreement:
    case domain::DocType::roi:
    case domain::DocType::report:
        return "draft";
    case domain::DocType::other:
        return "stored";
    }
    return "stored";
}

std::string clean_filename(std::string name) {
    // Keep only the last path component; the name is sealed at rest anyway, this is for download headers.
    const auto slash = name.find_last_of("/\\");
    if (slash != std::string::npos) {
        name = name.substr(slash + 1);
    }
    name.erase(std::remove_if(name.begin(), name.end(),
                              [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == '"'; }),
               name.end());
    if (name.size() > 200) {
        name.resize(200);
    }
    return name;
}

// Pulls plaintext out of a stored blob chunk by chunk, for the PDF worker's stdin.
class DecryptingSource {
public:
    DecryptingSource(std::unique_ptr<storage::BlobReader> reader, const crypto::Secret& key,
                     std::string binding)
        : m_reader(std::move(reader)),
          m_decryptor(key, std::move(binding), [this](const std::uint8_t* d, std::size_t n) {
              m_plain.insert(m_plain.end(), d, d + n);
              return true;
          }) {}

    Result<std::span<const std::uint8_t>> next() {
        m_plain.clear();
        while (m_plain.empty() && !m_done) {
            auto n = m_reader->read(m_cipher.data(), m_cipher.size());
            if (!n) {
                return std::move(n).error();
            }
            if (*n == 0) {
                m_done = true;
                KV_TRY(m_decryptor.finish());
                break;
            }
            KV_TRY(m_decryptor.feed(m_cipher.data(), *n));
        }
        return std::span<const std::uint8_t>(m_plain.data(), m_plain.size());
    }

private:
    std::unique_ptr<storage::BlobReader> m_reader;
    crypto::BlobDecryptor m_decryptor;
    Bytes m_cipher = Bytes(256 * 1024);
    Bytes m_plain;
    bool m_done{false};
};

} // namespace

struct Upload::State {
    Vault* vault{nullptr};
    Principal who;
    std::string actor;
    RequestInfo req;
    UploadRequest request;
    std::string created_by_party;
    storage::DocumentRecord document; // filled for a new document; loaded for a new version
    bool new_document{true};
    std::int64_t version{1};
    crypto::Secret data_key;
    crypto::WrappedKey wrapped;
    std::string blob_id;
    std::unique_ptr<storage::BlobWriter> writer;
    std::unique_ptr<crypto::BlobEncryptor> encryptor;
    crypto::Sha256 hash;
    std::uint64_t size{0};
    Bytes head;
    bool sniffed{false};
    bool failed{false};
    bool finished{false};
};

Upload::Upload(std::unique_ptr<State> state) : m_state(std::move(state)) {}

Upload::~Upload() {
    if (m_state && m_state->writer && !m_state->finished) {
        m_state->writer->abort();
    }
}

void Upload::refused(const Error& error) {
    State& s = *m_state;
    JsonObjectWriter d;
    d.field("received_bytes", static_cast<std::int64_t>(s.size));
    (void)s.vault->m_audit.append(
        {s.actor, "document.upload", s.document.id, s.document.case_id, "deny", error.message, d.str()},
        s.req);
}

Status Upload::write(const std::uint8_t* data, std::size_t size) {
    Status st = write_checked(data, size);
    if (!st) {
        refused(st.error());
    }
    return st;
}

Status Upload::write_checked(const std::uint8_t* data, std::size_t size) {
    State& s = *m_state;
    if (s.failed || s.finished) {
        return make_error(Errc::internal, "upload already closed");
    }
    s.size += size;
    if (s.size > s.vault->limits().max_upload_bytes) {
        s.failed = true;
        return make_error(Errc::payload_too_large,
                          "The file is larger than the " +
                              std::to_string(s.vault->limits().max_upload_bytes >> 20) + " MiB limit.");
    }
    if (!s.sniffed) {
        const std::size_t take = std::min<std::size_t>(size, 1024 - s.head.size());
        s.head.insert(s.head.end(), data, data + take);
        if (s.head.size() >= 1024) {
            s.sniffed = true;
            const std::string_view h(reinterpret_cast<const char*>(s.head.data()), s.head.size());
            if (h.find("%PDF-") == std::string_view::npos) {
                s.failed = true;
                return make_error(Errc::unsupported_media, "This file is not a PDF.");
            }
        }
    }
    s.hash.update(data, size);
    if (!s.encryptor->write(data, size)) {
        s.failed = true;
        return make_error(Errc::unavailable, "The document could not be stored (disk error).");
    }
    return {};
}

Result<DocumentView> Upload::finish() {
    State& s = *m_state;
    if (s.failed || s.finished) {
        return make_error(Errc::internal, "upload already closed");
    }
    s.finished = true;
    if (s.size == 0) {
        s.writer->abort();
        const Error e = make_error(Errc::unsupported_media, "The file is empty.");
        refused(e);
        return e;
    }
    const std::string_view h(reinterpret_cast<const char*>(s.head.data()), s.head.size());
    if (h.find("%PDF-") == std::string_view::npos) {
        s.writer->abort();
        const Error e = make_error(Errc::unsupported_media, "This file is not a PDF.");
        refused(e);
        return e;
    }
    return s.vault->commit_upload(s);
}

Vault::Vault(storage::Store& store, storage::BlobStore& blobs, const crypto::Keyring& keyring,
             AuditLog& audit, ReleaseGate& gate, pdf::PdfGateway& pdf, const Clock& clock, VaultLimits limits)
    : m_store(store), m_blobs(blobs), m_keyring(keyring), m_audit(audit), m_gate(gate), m_pdf(pdf),
      m_clock(clock), m_limits(limits) {}

Result<std::unique_ptr<Upload>> Vault::begin_upload(const Principal& who, const UploadRequest& request,
                                                    const RequestInfo& req) {
    auto upload = begin_upload_checked(who, request, req);
    if (!upload) {
        // Refusals before the body is read are audited like every other denial.
        (void)m_audit.append({who.user_id, "document.upload", request.document_id, request.case_id, "deny",
                              upload.error().message, ""},
                             req);
    }
    return upload;
}

Result<std::unique_ptr<Upload>>
Vault::begin_upload_checked(const Principal& who, const UploadRequest& request, const RequestInfo& req) {
    auto access = m_gate.case_access(who, request.case_id);
    if (!access) {
        return std::move(access).error();
    }
    auto state = std::make_unique<Upload::State>();
    state->vault = this;
    state->who = who;
    state->actor = who.user_id;
    state->req = req;
    state->request = request;
    state->request.filename = clean_filename(request.filename);
    if (state->request.title.empty()) {
        state->request.title =
            state->request.filename.empty() ? "Untitled document" : state->request.filename;
    }
    if (state->request.title.size() > 300) {
        return make_error(Errc::invalid_input, "the title is too long (300 characters at most)");
    }

    if (!request.document_id.empty()) {
        auto doc = m_store.document_by_id(request.document_id);
        if (!doc) {
            return std::move(doc).error();
        }
        // Only the case's clinician or the document's uploader may add a version; others get the same 404
        // as for a document that does not exist.
        if (!doc->has_value() || (*doc)->case_id != request.case_id ||
            (!access->is_case_clinician && (*doc)->created_by != who.user_id)) {
            return make_error(Errc::not_found, "No such document.");
        }
        state->document = **doc;
        state->new_document = false;
        state->version = (*doc)->current_version + 1;
        state->request.type = (*doc)->type;
    } else {
        const auto type = domain::parse_doc_type(request.type);
        if (!type) {
            return make_error(Errc::invalid_input,
                              "type must be one of reunification-agreement, roi, court-order, "
                              "clarification-letter, report, other");
        }
        bool allowed = false;
        for (const auto& p : access->my_parties) {
            const auto role = domain::parse_role(p.role);
            if (role && may_upload(*role, *type)) {
                allowed = true;
                state->created_by_party = p.id;
                break;
            }
        }
        if (!allowed) {
            return make_error(Errc::forbidden, "Your role in this case cannot add documents of this type.");
        }
        state->document.id = crypto::random_id("doc");
        state->document.case_id = request.case_id;
        state->document.type = std::string(domain::to_string(*type));
        state->document.created_by = who.user_id;
        state->document.created_by_party = state->created_by_party;
        state->document.state = initial_state(*type);
        state->document.category = state->document.type;
        state->version = 1;
    }
    state->data_key = crypto::Secret::random(32);
    state->wrapped = m_keyring.wrap_key(state->data_key, key_context(state->document.id, state->version));
    state->blob_id = crypto::random_id("blob");
    auto writer = m_blobs.create();
    if (!writer) {
        return std::move(writer).error();
    }
    state->writer = std::move(writer).value();
    storage::BlobWriter* w = state->writer.get();
    state->encryptor = std::make_unique<crypto::BlobEncryptor>(
        state->data_key, blob_binding(state->document.id, state->version, state->wrapped.kek_version),
        [w](const std::uint8_t* d, std::size_t n) { return w->write(d, n); });
    return std::unique_ptr<Upload>(new Upload(std::move(state)));
}

Status Vault::decrypt_blob(const storage::VersionRecord& v, const crypto::ByteSink& sink) const {
    auto key = m_keyring.unwrap_key({v.kek_version, v.wrapped_key}, key_context(v.document_id, v.version));
    if (!key) {
        return std::move(key).error();
    }
    crypto::BlobDecryptor dec(*key, blob_binding(v.document_id, v.version, v.kek_version), sink);
    KV_TRY(m_blobs.read(v.blob_id, [&](const std::uint8_t* d, std::size_t n) { return dec.feed(d, n); }));
    return dec.finish();
}

Result<DocumentView> Vault::commit_upload(Upload::State& s) {
    if (!s.encryptor->finish()) {
        s.writer->abort();
        return make_error(Errc::unavailable, "The document could not be stored (disk error).");
    }
    const crypto::Digest digest = s.hash.finish();
    // Durable blob first: if we crash after this and before the row commits, start-up removes the orphan.
    KV_TRY(s.writer->commit(s.blob_id));
    auto remove_blob = [&] { (void)m_blobs.remove(s.blob_id); };

    storage::VersionRecord v;
    v.document_id = s.document.id;
    v.version = s.version;
    v.blob_id = s.blob_id;
    v.size = static_cast<std::int64_t>(s.size);
    v.sha256 = crypto::to_hex(digest);
    v.uploaded_by = s.actor;
    v.uploaded_at = m_clock.now();
    v.title_sealed = m_keyring.seal_field(s.request.title, "doc:" + v.document_id + ":v" +
                                                               std::to_string(v.version) + ":title");
    v.filename_sealed = m_keyring.seal_field(s.request.filename, "doc:" + v.document_id + ":v" +
                                                                     std::to_string(v.version) + ":filename");
    v.kek_version = s.wrapped.kek_version;
    v.wrapped_key = s.wrapped.sealed;

    // The PDF is parsed only by the sandboxed worker, fed straight from the encrypted blob.
    auto reader = m_blobs.open(s.blob_id);
    if (!reader) {
        remove_blob();
        return std::move(reader).error();
    }
    auto source = std::make_shared<DecryptingSource>(std::move(reader).value(), s.data_key,
                                                     blob_binding(v.document_id, v.version, v.kek_version));
    auto report = m_pdf.inspect([source]() { return source->next(); });
    if (!report) {
        remove_blob();
        JsonObjectWriter d;
        d.field("size", v.size).field("sha256", v.sha256);
        (void)m_audit.append({s.actor, "document.upload", s.document.id, s.document.case_id, "deny",
                              "PDF refused: " + report.error().message, d.str()},
                             s.req);
        return std::move(report).error();
    }
    v.pages = report->page_count;

    storage::DocumentRecord doc = s.document;
    if (s.new_document) {
        doc.created_at = v.uploaded_at;
    }
    doc.current_version = v.version;
    JsonObjectWriter details;
    details.field("version", v.version)
        .field("size", v.size)
        .field("sha256", v.sha256)
        .field("pages", v.pages)
        .field("type", doc.type);
    Status st = m_store.transaction([&]() -> Status {
        if (s.new_document) {
            KV_TRY(m_store.insert_document(doc));
        } else {
            auto current = m_store.document_by_id(doc.id);
            if (!current) {
                return std::move(current).error();
            }
            if (!current->has_value() || (*current)->current_version != v.version - 1) {
                return make_error(Errc::conflict,
                                  "Someone else added a version at the same time; please retry.");
            }
            doc = **current;
            doc.current_version = v.version;
            KV_TRY(m_store.update_document(doc));
        }
        KV_TRY(m_store.insert_version(v));
        return m_audit.append({s.actor, s.new_document ? "document.upload" : "document.version", doc.id,
                               doc.case_id, "ok", "stored encrypted", details.str()},
                              s.req);
    });
    if (!st) {
        remove_blob();
        return std::move(st).error();
    }
    auto view = view_of(doc, v);
    if (view) {
        view->access_rule = "R1.own-record";
    }
    return view;
}

Result<DocumentView> Vault::view_of(const storage::DocumentRecord& d, const storage::VersionRecord& v) const {
    const std::string ctx = "doc:" + v.document_id + ":v" + std::to_string(v.version);
    auto title = m_keyring.open_field(v.title_sealed, ctx + ":title");
    auto filename = m_keyring.open_field(v.filename_sealed, ctx + ":filename");
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
    auto access = m_gate.case_access(who, case_id);
    if (!access) {
        (void)m_audit.append(
            {who.user_id, "document.list", case_id, case_id, "deny", "not a party of the case", ""}, req);
        return std::move(access).error();
    }
    auto docs = m_store.documents_of_case(case_id);
    if (!docs) {
        return std::move(docs).error();
    }
    std::vector<DocumentView> out;
    std::int64_t withheld = 0;
    for (const auto& d : *docs) {
        const AccessDecision decision = m_gate.decide(*access, d, AccessAction::list);
        if (!decision.permit) {
            ++withheld;
            continue;
        }
        auto v = m_store.version_of(d.id, d.current_version);
        if (!v) {
            return std::move(v).error();
        }
        if (!v->has_value()) {
            continue;
        }
        auto view = view_of(d, **v);
        if (!view) {
            return std::move(view).error();
        }
        view->access_rule = decision.rule;
        view->access_basis = decision.basis;
        out.push_back(std::move(view).value());
    }
    JsonObjectWriter details;
    details.field("listed", static_cast<std::int64_t>(out.size())).field("withheld", withheld);
    // Fail closed: a listing that cannot be audited is not returned.
    KV_TRY(m_audit.append({who.user_id, "document.list", case_id, case_id, "permit",
                           "listing filtered by the release gate", details.str()},
                          req));
    return out;
}

Result<DocumentView> Vault::get(const Principal& who, const std::string& document_id,
                                const RequestInfo& req) {
    const Error hidden = make_error(Errc::not_found, "No such document.");
    auto d = m_store.document_by_id(document_id);
    if (!d) {
        return std::move(d).error();
    }
    if (!d->has_value()) {
        (void)m_audit.append(
            {who.user_id, "document.metadata", document_id, "", "deny", "no such document", ""}, req);
        return hidden;
    }
    auto access = m_gate.case_access(who, (*d)->case_id);
    const AccessDecision decision =
        access ? m_gate.decide(*access, **d, AccessAction::read)
               : AccessDecision{false, "R1.deny-by-default", "", "not a party of the case", {}};
    KV_TRY(m_audit.append({who.user_id, "document.metadata", document_id, (*d)->case_id,
                           decision.permit ? "permit" : "deny", decision.rule + ": " + decision.reason, ""},
                          req));
    if (!decision.permit) {
        return hidden;
    }
    auto v = m_store.version_of(document_id, (*d)->current_version);
    if (!v) {
        return std::move(v).error();
    }
    if (!v->has_value()) {
        return hidden;
    }
    auto view = view_of(**d, **v);
    if (view) {
        view->access_rule = decision.rule;
        view->access_basis = decision.basis;
    }
    return view;
}

Result<std::vector<DocumentView>> Vault::versions(const Principal& who, const std::string& document_id,
                                                  const RequestInfo& req) {
    auto current = get(who, document_id, req);
    if (!current) {
        return std::move(current).error();
    }
    auto d = m_store.document_by_id(document_id);
    if (!d || !d->has_value()) {
        return make_error(Errc::not_found, "No such document.");
    }
    auto access = m_gate.case_access(who, (*d)->case_id);
    const bool old_allowed = access && m_gate.decide(*access, **d, AccessAction::read_old_version).permit;
    auto rows = m_store.versions_of(document_id);
    if (!rows) {
        return std::move(rows).error();
    }
    std::vector<DocumentView> out;
    for (const auto& v : *rows) {
        if (v.version != (*d)->current_version && !old_allowed) {
            continue;
        }
        auto view = view_of(**d, v);
        if (!view) {
            return std::move(view).error();
        }
        out.push_back(std::move(view).value());
    }
    return out;
}

Result<OpenedDocument> Vault::open(const Principal& who, const std::string& document_id,
                                   std::optional<std::int64_t> version, const RequestInfo& req) {
    const Error hidden = make_error(Errc::not_found, "No such document.");
    auto d = m_store.document_by_id(document_id);
    if (!d) {
        return std::move(d).error();
    }
    if (!d->has_value()) {
        (void)m_audit.append({who.user_id, "document.read", document_id, "", "deny", "no such document", ""},
                             req);
        return hidden;
    }
    const std::int64_t wanted = version.value_or((*d)->current_version);
    const AccessAction action =
        wanted == (*d)->current_version ? AccessAction::read : AccessAction::read_old_version;
    auto access = m_gate.case_access(who, (*d)->case_id);
    const AccessDecision decision =
        access ? m_gate.decide(*access, **d, action)
               : AccessDecision{false, "R1.deny-by-default", "", "not a party of the case", {}};
    JsonObjectWriter details;
    details.field("version", wanted);
    if (!decision.basis.empty()) {
        details.field("basis", decision.basis);
    }
    // A release to someone other than the case's clinician or the document's own author is a disclosure and
    // enters the accounting of disclosures (45 CFR 164.528) in the same transaction as its audit entry.
    const bool disclosure = decision.permit && !decision.basis.empty();
    // Fail closed: the read is recorded before any byte leaves, or nothing leaves.
    KV_TRY(m_store.transaction([&]() -> Status {
        KV_TRY(m_audit.append({who.user_id, "document.read", document_id, (*d)->case_id,
                               decision.permit ? "permit" : "deny", decision.rule + ": " + decision.reason,
                               details.str()},
                              req));
        if (disclosure) {
            storage::DisclosureRecord rec;
            rec.id = crypto::random_id("dsc");
            rec.case_id = (*d)->case_id;
            rec.document_id = document_id;
            rec.version = wanted;
            rec.recipient_user = who.user_id;
            rec.recipient_party = access && !access->my_parties.empty() ? access->my_parties.front().id : "";
            rec.at = m_clock.now();
            rec.rule = decision.rule;
            rec.basis = decision.basis;
            rec.purpose = decision.purpose;
            KV_TRY(m_store.insert_disclosure(rec));
        }
        return {};
    }));
    if (!decision.permit) {
        return hidden;
    }
    auto v = m_store.version_of(document_id, wanted);
    if (!v) {
        return std::move(v).error();
    }
    if (!v->has_value()) {
        return hidden;
    }
    // First pass: authenticate every chunk (secretstream tags, their order, the final tag, the binding to
    // this document version), so a damaged or tampered file is refused before a single byte is served. A
    // small document is kept from this pass and served from memory; a large one is decrypted again while
    // streaming, so memory never grows with document size.
    auto plain = std::make_shared<Bytes>();
    const bool keep = (*v)->size <= static_cast<std::int64_t>(k_serve_from_memory);
    if (keep) {
        plain->reserve(static_cast<std::size_t>((*v)->size));
    }
    Status st = decrypt_blob(**v, [&](const std::uint8_t* data, std::size_t n) {
        if (keep) {
            plain->insert(plain->end(), data, data + n);
        }
        return true;
    });
    if (st && keep && static_cast<std::int64_t>(plain->size()) != (*v)->size) {
        st = make_error(Errc::integrity, "the stored document does not have its recorded size");
    }
    if (!st) {
        (void)m_audit.append(
            {"system", "document.integrity", document_id, (*d)->case_id, "error", st.error().message, ""},
            req);
        return make_error(Errc::integrity,
                          "The stored copy of this document failed its integrity check and was not "
                          "served. The practice has been notified in the audit log.");
    }
    auto view = view_of(**d, **v);
    if (!view) {
        return std::move(view).error();
    }
    view->access_rule = decision.rule;
    view->access_basis = decision.basis;
    return OpenedDocument{std::move(view).value(), **v, decision, keep ? plain : nullptr};
}

Status Vault::write_to(const OpenedDocument& doc, const crypto::ByteSink& sink) const {
    if (doc.plaintext) {
        constexpr std::size_t slice = 256 * 1024;
        for (std::size_t off = 0; off < doc.plaintext->size(); off += slice) {
            if (!sink(doc.plaintext->data() + off, std::min(slice, doc.plaintext->size() - off))) {
                return make_error(Errc::unavailable, "the reader stopped");
            }
        }
        return {};
    }
    return decrypt_blob(doc.version, sink);
}

Result<DocumentView> Vault::store_bytes(const std::string& actor, const UploadRequest& request,
                                        const Bytes& pdf, const std::string& created_by_party,
                                        const RequestInfo& req) {
    auto state = std::make_unique<Upload::State>();
    state->vault = this;
    state->actor = actor;
    state->req = req;
    state->request = request;
    state->created_by_party = created_by_party;
    if (!request.document_id.empty()) {
        auto doc = m_store.document_by_id(request.document_id);
        if (!doc) {
            return std::move(doc).error();
        }
        if (!doc->has_value()) {
            return make_error(Errc::not_found, "No such document.");
        }
        state->document = **doc;
        state->new_document = false;
        state->version = (*doc)->current_version + 1;
    } else {
        const auto type = domain::parse_doc_type(request.type);
        if (!type) {
            return make_error(Errc::invalid_input, "unknown document type");
        }
        state->document.id = crypto::random_id("doc");
        state->document.case_id = request.case_id;
        state->document.type = std::string(domain::to_string(*type));
        state->document.created_by = actor;
        state->document.created_by_party = created_by_party;
        state->document.state = initial_state(*type);
        state->document.category = state->document.type;
    }
    state->data_key = crypto::Secret::random(32);
    state->wrapped = m_keyring.wrap_key(state->data_key, key_context(state->document.id, state->version));
    state->blob_id = crypto::random_id("blob");
    auto writer = m_blobs.create();
    if (!writer) {
        return std::move(writer).error();
    }
    state->writer = std::move(writer).value();
    storage::BlobWriter* w = state->writer.get();
    state->encryptor = std::make_unique<crypto::BlobEncryptor>(
        state->data_key, blob_binding(state->document.id, state->version, state->wrapped.kek_version),
        [w](const std::uint8_t* d, std::size_t n) { return w->write(d, n); });
    Upload upload(std::move(state));
    KV_TRY(upload.write(pdf.data(), pdf.size()));
    return upload.finish();
}

Result<Bytes> Vault::read_bytes(const std::string& document_id, std::int64_t version) const {
    auto v = m_store.version_of(document_id, version);
    if (!v) {
        return std::move(v).error();
    }
    if (!v->has_value()) {
        return make_error(Errc::not_found, "No such document version.");
    }
    Bytes out;
    out.reserve(static_cast<std::size_t>((*v)->size));
    KV_TRY(decrypt_blob(**v, [&](const std::uint8_t* d, std::size_t n) {
        out.insert(out.end(), d, d + n);
        return true;
    }));
    if (crypto::to_hex(crypto::sha256(out)) != (*v)->sha256) {
        return make_error(Errc::integrity, "the stored document does not match its recorded SHA-256");
    }
    return out;
}

Result<std::size_t> Vault::remove_orphans() {
    auto referenced = m_store.all_blob_ids();
    if (!referenced) {
        return std::move(referenced).error();
    }
    return m_blobs.remove_orphans(*referenced);
}

} // namespace kinvault::services
