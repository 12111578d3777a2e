// Putting a document into the vault: the streaming upload (sniffed, size-limited, hashed, encrypted chunk by
// chunk, checked by the sandboxed PDF worker) and the durable commit, plus the same path for bytes other
// services store (signed versions, certificates of completion).
#include "services/documents/vault.h"

#include "crypto/blob_mac.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "domain/types.h"
#include "services/audit_actions.h"
#include "json/writer.h"

#include <algorithm>
#include <cstring>

namespace kinvault::services {

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
            auto n = KV_TRY_VALUE(m_reader->read(m_cipher.data(), m_cipher.size()));
            if (n == 0) {
                m_done = true;
                KV_TRY(m_decryptor.finish());
                break;
            }
            KV_TRY(m_decryptor.feed(m_cipher.data(), n));
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
    std::unique_ptr<crypto::BlobMac> mac; // over the ciphertext as it goes to disk
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
    json::ObjectWriter d;
    d.field("received_bytes", static_cast<std::int64_t>(s.size));
    (void)s.vault->m_audit.append({.actor = s.actor,
                                   .action = audit_action::document_upload,
                                   .object = s.document.id,
                                   .case_id = s.document.case_id,
                                   .decision = "deny",
                                   .reason = error.message,
                                   .details = d.str()},
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

Result<std::unique_ptr<Upload>> Vault::begin_upload(const Principal& who, const UploadRequest& request,
                                                    const RequestInfo& req) {
    auto upload = begin_upload_checked(who, request, req);
    if (!upload) {
        // Refusals before the body is read are audited like every other denial.
        (void)m_audit.append({.actor = who.user_id,
                              .action = audit_action::document_upload,
                              .object = request.document_id,
                              .case_id = request.case_id,
                              .decision = "deny",
                              .reason = upload.error().message},
                             req);
    }
    return upload;
}

Result<std::unique_ptr<Upload>>
Vault::begin_upload_checked(const Principal& who, const UploadRequest& request, const RequestInfo& req) {
    auto access = KV_TRY_VALUE(m_gate.case_access(who, request.case_id));
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
        auto doc = KV_TRY_VALUE(m_store.document_by_id(request.document_id));
        // Only the case's clinician or the document's uploader may add a version; others get the same 404
        // as for a document that does not exist.
        if (!doc.has_value() || doc->case_id != request.case_id ||
            (!access.is_case_clinician && doc->created_by != who.user_id)) {
            return make_error(Errc::not_found, "No such document.");
        }
        state->document = *doc;
        state->new_document = false;
        state->version = doc->current_version + 1;
        state->request.type = doc->type;
    } else {
        const auto type = domain::parse_doc_type(request.type);
        if (!type) {
            return make_error(Errc::invalid_input,
                              "type must be one of reunification-agreement, roi, court-order, "
                              "clarification-letter, report, other");
        }
        bool allowed = false;
        for (const auto& p : access.my_parties) {
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
    state->wrapped = m_barrier.wrap_data_key(state->document.id, state->version, state->data_key);
    state->blob_id = crypto::random_id("blob");
    state->writer = KV_TRY_VALUE(m_blobs.create());
    start_blob(*state);
    return std::unique_ptr<Upload>(new Upload(std::move(state)));
}

void Vault::start_blob(Upload::State& s) const {
    storage::BlobWriter* w = s.writer.get();
    s.mac = std::make_unique<crypto::BlobMac>(s.data_key);
    crypto::BlobMac* mac = s.mac.get();
    s.encryptor = std::make_unique<crypto::BlobEncryptor>(
        s.data_key, barrier::blob_binding(s.document.id, s.version, s.wrapped.kek_version),
        [w, mac](const std::uint8_t* d, std::size_t n) {
            mac->update(d, n);
            return w->write(d, n);
        });
}

// Long because the commit is one ordered sequence whose every failure must remove the blob it made:
// durable blob, version row, the worker's check of the PDF, then row, version and audit in one transaction.
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
    m_barrier.seal_title(v, s.request.title);
    m_barrier.seal_filename(v, s.request.filename);
    v.kek_version = s.wrapped.kek_version;
    v.wrapped_key = s.wrapped.sealed;
    const crypto::BlobTag tag = s.mac->finish();
    v.ciphertext_mac.assign(tag.begin(), tag.end());

    // The PDF is parsed only by the sandboxed worker, fed straight from the encrypted blob.
    auto reader = m_blobs.open(s.blob_id);
    if (!reader) {
        remove_blob();
        return std::move(reader).error();
    }
    auto source =
        std::make_shared<DecryptingSource>(std::move(reader).value(), s.data_key,
                                           barrier::blob_binding(v.document_id, v.version, v.kek_version));
    auto report = m_pdf.inspect([source]() { return source->next(); });
    if (!report) {
        remove_blob();
        json::ObjectWriter d;
        d.field("size", v.size).field("sha256", v.sha256);
        (void)m_audit.append({.actor = s.actor,
                              .action = audit_action::document_upload,
                              .object = s.document.id,
                              .case_id = s.document.case_id,
                              .decision = "deny",
                              .reason = "PDF refused: " + report.error().message,
                              .details = d.str()},
                             s.req);
        return std::move(report).error();
    }
    v.pages = report->page_count;

    storage::DocumentRecord doc = s.document;
    if (s.new_document) {
        doc.created_at = v.uploaded_at;
    }
    doc.current_version = v.version;
    json::ObjectWriter details;
    details.field("version", v.version)
        .field("size", v.size)
        .field("sha256", v.sha256)
        .field("pages", v.pages)
        .field("type", doc.type);
    Status st = m_store.transaction([&]() -> Status {
        if (s.new_document) {
            KV_TRY(m_store.insert_document(doc));
        } else {
            auto current = KV_TRY_VALUE(m_store.document_by_id(doc.id));
            if (!current.has_value() || current->current_version != v.version - 1) {
                return make_error(Errc::conflict,
                                  "Someone else added a version at the same time; please retry.");
            }
            doc = *current;
            doc.current_version = v.version;
            KV_TRY(m_store.update_document(doc));
        }
        KV_TRY(m_store.insert_version(v));
        return m_audit.append(
            {.actor = s.actor,
             .action = s.new_document ? audit_action::document_upload : audit_action::document_version,
             .object = doc.id,
             .case_id = doc.case_id,
             .decision = "ok",
             .reason = "stored encrypted",
             .details = details.str()},
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
        auto doc = KV_TRY_VALUE(m_store.document_by_id(request.document_id));
        if (!doc.has_value()) {
            return make_error(Errc::not_found, "No such document.");
        }
        state->document = *doc;
        state->new_document = false;
        state->version = doc->current_version + 1;
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
    state->wrapped = m_barrier.wrap_data_key(state->document.id, state->version, state->data_key);
    state->blob_id = crypto::random_id("blob");
    state->writer = KV_TRY_VALUE(m_blobs.create());
    start_blob(*state);
    Upload upload(std::move(state));
    KV_TRY(upload.write(pdf.data(), pdf.size()));
    return upload.finish();
}

} // namespace kinvault::services
