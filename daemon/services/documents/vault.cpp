#include "services/vault.h"

#include "crypto/blob_mac.h"
#include "crypto/random.h"
#include "crypto/sha256.h"
#include "domain/types.h"
#include "services/json_text.h"

#include <Poco/Logger.h>
#include <Poco/Runnable.h>
#include <Poco/ThreadPool.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <mutex>
#include <sodium.h>

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
      m_clock(clock), m_limits(limits), m_readers(std::make_unique<Poco::ThreadPool>(4, 64, 60)) {}

Vault::~Vault() {
    m_readers->joinAll();
}

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
    start_blob(*state);
    return std::unique_ptr<Upload>(new Upload(std::move(state)));
}

void Vault::start_blob(Upload::State& s) const {
    storage::BlobWriter* w = s.writer.get();
    s.mac = std::make_unique<crypto::BlobMac>(s.data_key);
    crypto::BlobMac* mac = s.mac.get();
    s.encryptor = std::make_unique<crypto::BlobEncryptor>(
        s.data_key, blob_binding(s.document.id, s.version, s.wrapped.kek_version),
        [w, mac](const std::uint8_t* d, std::size_t n) {
            mac->update(d, n);
            return w->write(d, n);
        });
}

Status Vault::check_blob_tag(const storage::VersionRecord& v, crypto::BlobMac& mac) const {
    // One pass of Poly1305 over the file: about a sixth of the cost of decrypting it.
    KV_TRY(m_blobs.read(v.blob_id, [&](const std::uint8_t* d, std::size_t n) {
        mac.update(d, n);
        return Status{};
    }));
    if (mac.size() != crypto::blob_ciphertext_size(static_cast<std::uint64_t>(v.size))) {
        return make_error(Errc::integrity, "the stored document does not have its recorded size");
    }
    if (!crypto::blob_tag_equal(mac.finish(), v.ciphertext_mac)) {
        return make_error(Errc::integrity,
                          "the stored document does not match the tag recorded when it was stored");
    }
    return {};
}

Status Vault::decrypt_checked_blob(const storage::VersionRecord& v, crypto::Secret&& key,
                                   crypto::BlobMac& mac, const crypto::ByteSink& sink) const {
    // Each chunk is authenticated as it is decrypted, the file's tag over the same bytes; the caller releases
    // nothing of what reached `sink` unless this returns success.
    const auto recorded = static_cast<std::uint64_t>(v.size);
    std::uint64_t plain = 0;
    bool too_long = false;
    crypto::BlobDecryptor dec(std::move(key), blob_binding(v.document_id, v.version, v.kek_version),
                              [&](const std::uint8_t* d, std::size_t n) {
                                  plain += n;
                                  if (plain > recorded) {
                                      too_long = true; // stop before it outgrows what the caller holds
                                      return false;
                                  }
                                  return sink(d, n);
                              });
    Status streamed = m_blobs.read(v.blob_id, [&](const std::uint8_t* d, std::size_t n) {
        mac.update(d, n);
        return dec.feed(d, n);
    });
    if (too_long) {
        return make_error(Errc::integrity, "the stored document does not have its recorded size");
    }
    KV_TRY(streamed);
    KV_TRY(dec.finish());
    if (plain != recorded || mac.size() != crypto::blob_ciphertext_size(static_cast<std::uint64_t>(v.size))) {
        return make_error(Errc::integrity, "the stored document does not have its recorded size");
    }
    if (!crypto::blob_tag_equal(mac.finish(), v.ciphertext_mac)) {
        return make_error(Errc::integrity,
                          "the stored document does not match the tag recorded when it was stored");
    }
    return {};
}

Status Vault::verify_blob(const storage::VersionRecord& v) {
    auto key = m_keyring.unwrap_key({v.kek_version, v.wrapped_key}, key_context(v.document_id, v.version));
    if (!key) {
        return std::move(key).error();
    }
    crypto::BlobMac mac(*key);
    if (!v.ciphertext_mac.empty()) {
        return check_blob_tag(v, mac);
    }
    // A version stored before tags existed: decrypt it all once (every chunk, its order, the final tag, the
    // binding), then record its tag so that later reads take the one cheap pass.
    std::uint64_t plain = 0;
    crypto::BlobDecryptor dec(*key, blob_binding(v.document_id, v.version, v.kek_version),
                              [&](const std::uint8_t*, std::size_t n) {
                                  plain += n;
                                  return true;
                              });
    KV_TRY(m_blobs.read(v.blob_id, [&](const std::uint8_t* d, std::size_t n) {
        mac.update(d, n);
        return dec.feed(d, n);
    }));
    KV_TRY(dec.finish());
    if (plain != static_cast<std::uint64_t>(v.size)) {
        return make_error(Errc::integrity, "the stored document does not have its recorded size");
    }
    const crypto::BlobTag tag = mac.finish();
    if (Status recorded = m_store.set_version_mac(v.document_id, v.version, Bytes(tag.begin(), tag.end()));
        !recorded) {
        Poco::Logger::get("kinvault.vault")
            .warning("could not record a verified version's ciphertext tag: %s", recorded.error().message);
    }
    return {};
}

Status Vault::decrypt_blob(const storage::VersionRecord& v, const crypto::ByteSink& sink) const {
    auto key = m_keyring.unwrap_key({v.kek_version, v.wrapped_key}, key_context(v.document_id, v.version));
    if (!key) {
        return std::move(key).error();
    }
    return decrypt_blob(v, std::move(key).value(), sink);
}

Status Vault::decrypt_blob(const storage::VersionRecord& v, crypto::Secret&& key,
                           const crypto::ByteSink& sink) const {
    crypto::BlobDecryptor dec(std::move(key), blob_binding(v.document_id, v.version, v.kek_version), sink);
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
    const crypto::BlobTag tag = s.mac->finish();
    v.ciphertext_mac.assign(tag.begin(), tag.end());

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
               : AccessDecision{false, "R1.deny-by-default", "", "not a party of the case", "", {}};
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

// Checks a stored file and decrypts it ahead of the reader on a helper thread, handing plaintext to the
// serving thread in a ring of a few fixed pieces: the check overlaps the audit commit, and each piece is
// decrypted while the previous one is TLS-encrypted and written to the socket. Memory stays at
// k_pieces x k_piece whatever the document size; pieces are wiped before they are freed.
class DocumentStream final : public Poco::Runnable {
public:
    // 4 MiB ahead: about what is decrypted while a 20 MiB file's tag is checked.
    static constexpr std::size_t k_piece = 256 * 1024;
    static constexpr std::size_t k_pieces = 16;
    static constexpr std::size_t k_capacity = k_piece * k_pieces;

    using Verify = std::function<Status()>;
    using Decrypt = std::function<Status(const crypto::ByteSink&)>;

    // Checks on one thread of `pool` while decrypting ahead on another; with one thread free, checks and
    // then decrypts on it; with none, both run on the reader's thread when asked (slower, never refused).
    //
    // `whole`, for a document that fits in the ring: one helper decrypts all of it and checks the tag in the
    // same pass, and that pass is the check. It reads and authenticates the file once instead of twice, and
    // only one helper competes with the audit commit for the cores. Sending then starts from plaintext that
    // is all there.
    DocumentStream(Verify verify, Decrypt decrypt, Poco::ThreadPool& pool, Decrypt whole = {})
        : m_verify_fn(std::move(verify)), m_decrypt_fn(std::move(decrypt)), m_check(*this) {
        m_ring = take_ring();
        if (whole) {
            m_whole = true;
            m_whole_fn = std::move(whole);
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_running = 1;
            }
            try {
                pool.start(*this, "kv-read-whole");
                return;
            } catch (const Poco::NoThreadAvailableException&) {
                std::lock_guard<std::mutex> lock(m_mutex);
                m_running = 0;
            }
            // No helper: check, then decrypt, on the reader's thread.
            m_whole = false;
            give_back(std::move(m_ring));
            return;
        }
        // Counted before each start: a task may finish (and count itself out) before start() returns.
        bool checking = false;
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_running = 2;
        }
        try {
            pool.start(m_check, "kv-read-check");
            checking = true;
        } catch (const Poco::NoThreadAvailableException&) {
            std::lock_guard<std::mutex> lock(m_mutex);
            --m_running;
        }
        try {
            pool.start(*this, "kv-read-ahead");
        } catch (const Poco::NoThreadAvailableException&) {
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                --m_running;
            }
            if (!checking) {
                give_back(std::move(m_ring)); // no helper at all
            } else {
                m_decrypt_here = true; // the check runs on the helper; decryption on the reader's thread
            }
        }
        if (!checking && m_ring) {
            // Decrypting ahead but nobody checking: check on the reader's thread when asked.
            m_check_here = true;
        }
    }
    ~DocumentStream() override {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_stopped = true;
        m_cv.notify_all();
        m_cv.wait(lock, [&] { return m_running == 0; });
        lock.unlock();
        if (m_ring) {
            give_back(std::move(m_ring));
        }
    }
    DocumentStream(const DocumentStream&) = delete;
    DocumentStream& operator=(const DocumentStream&) = delete;

    // Waits for the check of the whole stored file.
    Status verified() {
        if (!m_ring || m_check_here) { // no helper for the check: check here, once
            if (!m_verify_done) {
                m_verify = m_verify_fn();
                m_verify_done = true;
            }
            return m_verify;
        }
        std::unique_lock<std::mutex> lock(m_mutex);
        if (m_whole) {
            m_cv.wait(lock, [&] { return m_closed; });
            return m_end;
        }
        m_cv.wait(lock, [&] { return m_verify_done; });
        return m_verify;
    }

    // Feeds the plaintext to the sink until the stream ends. Only after verified() has passed.
    Status drain(const crypto::ByteSink& sink) {
        if (!m_ring || m_decrypt_here) {
            return m_decrypt_fn(sink);
        }
        std::size_t next = 0;
        while (true) {
            Piece& p = (*m_ring)[next];
            {
                std::unique_lock<std::mutex> lock(m_mutex);
                m_cv.wait(lock, [&] { return p.full || m_closed; });
                if (!p.full) {
                    return m_end;
                }
            }
            bool ok = false;
            try {
                ok = sink(p.data.data(), p.len);
            } catch (...) {
                stop();
                throw;
            }
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                p.full = false;
                m_stopped = m_stopped || !ok;
                m_cv.notify_all();
            }
            if (!ok) {
                return make_error(Errc::unavailable, "the reader stopped");
            }
            next = (next + 1) % k_pieces;
        }
    }

    // The reader is gone (or never came): the helper stops at its next piece.
    void stop() {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stopped = true;
        m_cv.notify_all();
    }

private:
    struct Piece {
        std::vector<std::uint8_t> data;
        std::size_t len{0};
        std::size_t used{0}; // bytes ever written since the ring was taken: what must be wiped
        bool full{false};
    };
    using Ring = std::array<Piece, k_pieces>;

    // Rings are reused: allocating and freeing a megabyte per download costs more than decrypting a small
    // document (every free unmaps pages and flushes the other cores' TLBs). At most k_spare rings are kept,
    // so idle memory is bounded by concurrency, never by document size.
    static constexpr std::size_t k_spare = 4;
    static std::mutex& spare_mutex() {
        static std::mutex m;
        return m;
    }
    static std::vector<std::unique_ptr<Ring>>& spares() {
        static std::vector<std::unique_ptr<Ring>> s;
        return s;
    }
    static std::unique_ptr<Ring> take_ring() {
        {
            std::lock_guard<std::mutex> lock(spare_mutex());
            if (!spares().empty()) {
                auto r = std::move(spares().back());
                spares().pop_back();
                return r;
            }
        }
        auto r = std::make_unique<Ring>();
        for (auto& p : *r) {
            p.data.resize(k_piece);
        }
        return r;
    }
    static void give_back(std::unique_ptr<Ring> r) {
        for (auto& p : *r) {
            sodium_memzero(p.data.data(), p.used); // no plaintext outlives its download
            p.used = 0;
            p.len = 0;
            p.full = false;
        }
        std::lock_guard<std::mutex> lock(spare_mutex());
        if (spares().size() < k_spare) {
            spares().push_back(std::move(r));
        }
    }

    // The whole-file check, on its own helper thread.
    struct Check final : Poco::Runnable {
        explicit Check(DocumentStream& owner) : stream(owner) {}
        void run() override { stream.check(); }
        DocumentStream& stream;
    };

    void check() {
        Status st;
        try {
            st = m_verify_fn();
        } catch (const std::exception& e) {
            st = make_error(Errc::internal, std::string("checking the stored document failed: ") + e.what());
        } catch (...) {
            st = make_error(Errc::internal, "checking the stored document failed");
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        m_verify = std::move(st);
        m_verify_done = true;
        --m_running; // the last touch of this object by the check's thread
        m_cv.notify_all();
    }

    // Decryption ahead of the reader. Nothing it produces leaves before check() has passed: the reader waits
    // for verified() first.
    void run() override {
        Status st;
        try {
            const Decrypt& fn = m_whole ? m_whole_fn : m_decrypt_fn;
            st = fn([this](const std::uint8_t* d, std::size_t n) { return put(d, n); });
            if (m_whole_overflow) {
                st = make_error(Errc::integrity, "the stored document is larger than its recorded size");
            }
        } catch (const std::exception& e) {
            st = make_error(Errc::internal, std::string("decryption failed: ") + e.what());
        } catch (...) {
            st = make_error(Errc::internal, "decryption failed");
        }
        if (st && m_fill_len > 0) {
            (void)publish();
        }
        std::lock_guard<std::mutex> lock(m_mutex);
        m_end = std::move(st);
        m_closed = true;
        --m_running; // the last touch of this object by the decrypting thread
        m_cv.notify_all();
    }

    bool put(const std::uint8_t* d, std::size_t n) {
        while (n > 0) {
            Piece& p = (*m_ring)[m_fill];
            if (m_fill_len == 0) {
                std::unique_lock<std::mutex> lock(m_mutex);
                if (m_whole && p.full) {
                    // Nobody drains before the whole pass has ended: more than the ring holds is refused
                    // rather than waited for.
                    m_whole_overflow = true;
                    return false;
                }
                m_cv.wait(lock, [&] { return !p.full || m_stopped; });
                if (m_stopped) {
                    return false;
                }
            }
            const std::size_t take = std::min(n, k_piece - m_fill_len);
            std::memcpy(p.data.data() + m_fill_len, d, take);
            m_fill_len += take;
            p.used = std::max(p.used, m_fill_len);
            d += take;
            n -= take;
            if (m_fill_len == k_piece && !publish()) {
                return false;
            }
        }
        return true;
    }

    bool publish() {
        std::lock_guard<std::mutex> lock(m_mutex);
        Piece& p = (*m_ring)[m_fill];
        p.len = m_fill_len;
        p.full = true;
        m_fill = (m_fill + 1) % k_pieces;
        m_fill_len = 0;
        m_cv.notify_all();
        return !m_stopped;
    }

    Verify m_verify_fn;
    Decrypt m_decrypt_fn;
    std::unique_ptr<Ring> m_ring; // only when decrypting ahead
    std::size_t m_fill{0};        // helper thread only
    std::size_t m_fill_len{0};    // helper thread only
    Decrypt m_whole_fn;
    bool m_whole{false};          // one helper decrypts and checks the whole document
    bool m_whole_overflow{false}; // helper thread only
    std::mutex m_mutex;
    std::condition_variable m_cv;
    bool m_verify_done{false};
    Status m_verify;
    bool m_stopped{false}; // the reader gave up
    bool m_closed{false};  // decryption finished
    Status m_end;
    Check m_check;
    int m_running{0};           // helper tasks still using this object
    bool m_decrypt_here{false}; // only the check found a helper thread
    bool m_check_here{false};   // only decryption found a helper thread
};

Result<OpenedDocument> Vault::open(const Principal& who, const std::string& document_id,
                                   std::optional<std::int64_t> version, const RequestInfo& req) {
    const Error hidden = make_error(Errc::not_found, "No such document.");
    // The document, the reader's standing in the case, the consents behind the decision and the version all
    // come from one snapshot of the store.
    Result<std::optional<storage::DocumentRecord>> d = std::optional<storage::DocumentRecord>{};
    Result<CaseAccess> access = make_error(Errc::internal, "not decided");
    AccessDecision decision{false, "R1.deny-by-default", "", "not a party of the case", "", {}};
    std::int64_t wanted = 0;
    std::optional<storage::VersionRecord> v;
    KV_TRY(m_store.snapshot([&]() -> Status {
        d = m_store.document_by_id(document_id);
        if (!d || !d->has_value()) {
            return {};
        }
        wanted = version.value_or((*d)->current_version);
        const AccessAction action =
            wanted == (*d)->current_version ? AccessAction::read : AccessAction::read_old_version;
        access = m_gate.case_access(who, (*d)->case_id);
        if (access) {
            decision = m_gate.decide(*access, **d, action);
        }
        if (decision.permit) {
            auto found = m_store.version_of(document_id, wanted);
            if (!found) {
                return std::move(found).error();
            }
            v = std::move(found).value();
        }
        return {};
    }));
    if (!d) {
        return std::move(d).error();
    }
    if (!d->has_value()) {
        (void)m_audit.append({who.user_id, "document.read", document_id, "", "deny", "no such document", ""},
                             req);
        return hidden;
    }
    JsonObjectWriter details;
    details.field("version", wanted);
    if (!decision.basis.empty()) {
        details.field("basis", decision.basis);
    }
    // A release to someone other than the case's clinician or the document's own author is a disclosure and
    // enters the accounting of disclosures (45 CFR 164.528) in the same transaction as its audit entry.
    const bool disclosure = decision.permit && !decision.basis.empty();
    // A permitted read starts checking the stored file (and decrypting the first pieces) on a helper thread
    // while the audit entry commits here: nothing reaches the reader until both have finished.
    std::shared_ptr<DocumentStream> stream;
    if (decision.permit && v) {
        stream = open_stream(*v);
    }
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
    if (!decision.permit || !v) {
        return hidden;
    }
    // Nothing is served until the whole stored file has proved it is the one written: a damaged or tampered
    // file is refused before a single byte leaves. The bytes are then decrypted while they stream, each chunk
    // authenticated again, so memory never grows with document size.
    if (Status st = stream->verified(); !st) {
        (void)m_audit.append(
            {"system", "document.integrity", document_id, (*d)->case_id, "error", st.error().message, ""},
            req);
        return make_error(Errc::integrity,
                          "The stored copy of this document failed its integrity check and was not "
                          "served. The practice has been notified in the audit log.");
    }
    auto view = view_of(**d, *v);
    if (!view) {
        return std::move(view).error();
    }
    view->access_rule = decision.rule;
    view->access_basis = decision.basis;
    return OpenedDocument{std::move(view).value(), *v, decision, std::move(stream)};
}

std::shared_ptr<DocumentStream> Vault::open_stream(const storage::VersionRecord& v) {
    if (!v.ciphertext_mac.empty()) {
        // The data key is unwrapped once, here: the check takes the Poly1305 key derived from it, decryption
        // takes the key itself. Both tasks then read only the blob: safe on the helper threads.
        auto key =
            m_keyring.unwrap_key({v.kek_version, v.wrapped_key}, key_context(v.document_id, v.version));
        if (!key) {
            const Error failed = key.error();
            return std::make_shared<DocumentStream>(
                [failed]() -> Status { return failed; },
                [failed](const crypto::ByteSink&) -> Status { return failed; }, *m_readers);
        }
        auto mac = std::make_shared<crypto::BlobMac>(*key);
        auto data_key = std::make_shared<crypto::Secret>(std::move(key).value());
        DocumentStream::Decrypt whole;
        if (v.size >= 0 && static_cast<std::uint64_t>(v.size) <= DocumentStream::k_capacity) {
            whole = [this, v, mac, data_key](const crypto::ByteSink& sink) {
                return decrypt_checked_blob(v, std::move(*data_key), *mac, sink);
            };
        }
        return std::make_shared<DocumentStream>([this, v, mac] { return check_blob_tag(v, *mac); },
                                                [this, v, data_key](const crypto::ByteSink& sink) {
                                                    return decrypt_blob(v, std::move(*data_key), sink);
                                                },
                                                *m_readers, std::move(whole));
    }
    // A version stored before tags: verified here by a full decryption (which records its tag in the store,
    // so it stays on this thread), then streamed like any other.
    Status st = verify_blob(v);
    return std::make_shared<DocumentStream>(
        [st] { return st; }, [this, v](const crypto::ByteSink& sink) { return decrypt_blob(v, sink); },
        *m_readers);
}

Status Vault::write_to(const OpenedDocument& doc, const crypto::ByteSink& sink) const {
    if (!doc.stream) {
        return make_error(Errc::internal, "the document was not opened for reading");
    }
    KV_TRY(doc.stream->verified());
    return doc.stream->drain(sink);
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
    start_blob(*state);
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
