// The encrypted document vault: streaming upload (sniffed, size-limited, hashed, encrypted chunk by chunk,
// checked by the sandboxed PDF worker), durable commit (blob, row and audit entry before the 201), and
// authorised, audited, integrity-checked reads through the release gate. Uploads live in upload.cpp,
// listings, metadata and opening a document in vault.cpp, the download stream in document_stream.cpp.
#pragma once

#include "barrier/barrier.h"
#include "common/clock.h"
#include "common/result.h"
#include "crypto/blob_cipher.h"
#include "pdf/gateway.h"
#include "services/audit.h"
#include "services/documents/document_stream.h"
#include "services/release_gate.h"
#include "storage/blob_store.h"
#include "storage/store.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kinvault::services {

struct VaultLimits {
    std::uint64_t max_upload_bytes{50ull * 1024 * 1024};
};

struct UploadRequest {
    std::string case_id;
    std::string document_id; // non-empty: a new version of this document
    std::string type;
    std::string title;
    std::string filename;
};

struct DocumentView {
    std::string id;
    std::string case_id;
    std::string type;
    std::string state;
    std::string title;
    std::string filename;
    std::int64_t version{0};
    std::int64_t current_version{0};
    std::int64_t size{0};
    std::string sha256;
    std::int64_t pages{0};
    std::string uploaded_by;
    UnixTime uploaded_at{0};
    std::string created_by;
    std::string created_by_party;
    std::string access_rule;  // why the viewer may see it
    std::string access_basis; // ROI/order relied on, if any
};

class Vault;

class Upload {
public:
    ~Upload();
    Upload(const Upload&) = delete;
    Upload& operator=(const Upload&) = delete;
    // Feeds body bytes. Fails fast on a non-PDF start (415) or on crossing the size limit (413).
    [[nodiscard]] Status write(const std::uint8_t* data, std::size_t size);
    [[nodiscard]] Result<DocumentView> finish();

private:
    friend class Vault;
    struct State;
    explicit Upload(std::unique_ptr<State> state);
    [[nodiscard]] Status write_checked(const std::uint8_t* data, std::size_t size);
    void refused(const Error& error);
    std::unique_ptr<State> m_state;
};

struct OpenedDocument {
    DocumentView view;
    storage::VersionRecord version;
    AccessDecision decision;
    std::shared_ptr<DocumentStream> stream;
};

class Vault {
public:
    Vault(storage::Store& store, storage::BlobStore& blobs, const barrier::Barrier& barrier, AuditLog& audit,
          ReleaseGate& gate, pdf::PdfGateway& pdf, const Clock& clock, VaultLimits limits);
    ~Vault();
    Vault(const Vault&) = delete;
    Vault& operator=(const Vault&) = delete;

    [[nodiscard]] const VaultLimits& limits() const { return m_limits; }

    // Checks everything that can be checked before the body arrives (case standing, type, version).
    [[nodiscard]] Result<std::unique_ptr<Upload>>
    begin_upload(const Principal& who, const UploadRequest& request, const RequestInfo& req);
    [[nodiscard]] Result<std::vector<DocumentView>> list(const Principal& who, const std::string& case_id,
                                                         const RequestInfo& req);
    [[nodiscard]] Result<DocumentView> get(const Principal& who, const std::string& document_id,
                                           const RequestInfo& req);
    [[nodiscard]] Result<std::vector<DocumentView>>
    versions(const Principal& who, const std::string& document_id, const RequestInfo& req);
    // Decides, audits (fail closed) and verifies the whole ciphertext before anything is served.
    [[nodiscard]] Result<OpenedDocument> open(const Principal& who, const std::string& document_id,
                                              std::optional<std::int64_t> version, const RequestInfo& req);
    // Streams the plaintext of an opened document (each chunk authenticated again as it is decrypted).
    [[nodiscard]] Status write_to(const OpenedDocument& doc, const crypto::ByteSink& sink) const;

    // For other services (signing, templates): store bytes as a new document or version, and read bytes back,
    // without the per-person release decision (callers make their own).
    [[nodiscard]] Result<DocumentView> store_bytes(const std::string& actor, const UploadRequest& request,
                                                   const Bytes& pdf, const std::string& created_by_party,
                                                   const RequestInfo& req);
    [[nodiscard]] Result<Bytes> read_bytes(const std::string& document_id, std::int64_t version) const;
    [[nodiscard]] Result<DocumentView> view_of(const storage::DocumentRecord& d,
                                               const storage::VersionRecord& v) const;

    // Called at start: removes blobs left by interrupted uploads.
    [[nodiscard]] Result<std::size_t> remove_orphans();

private:
    friend class Upload;
    [[nodiscard]] Result<std::unique_ptr<Upload>>
    begin_upload_checked(const Principal& who, const UploadRequest& request, const RequestInfo& req);
    [[nodiscard]] Result<DocumentView> commit_upload(Upload::State& s);
    void start_blob(Upload::State& s) const;
    // The audit entry of a read decision, and its disclosure record when it is one, in one transaction.
    [[nodiscard]] Status record_read(const Principal& who, const storage::DocumentRecord& d,
                                     std::int64_t version, const Result<CaseAccess>& access,
                                     const AccessDecision& decision, const RequestInfo& req);

    storage::Store& m_store;
    storage::BlobStore& m_blobs;
    const barrier::Barrier& m_barrier;
    AuditLog& m_audit;
    ReleaseGate& m_gate;
    pdf::PdfGateway& m_pdf;
    const Clock& m_clock;
    VaultLimits m_limits;
    DocumentStreams m_streams; // the download path (document_stream.h)
};

} // namespace kinvault::services
