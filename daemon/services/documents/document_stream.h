// Reading a stored document back: the whole-file check against the version's ciphertext tag and the
// decryption, ahead of the reader on helper threads (a DocumentStream per download), or in one pass for
// callers inside the daemon. This is the download path the transfer benchmarks measure: its logic was tuned
// there (bench/), so change it only with them at hand.
#pragma once

#include "barrier/barrier.h"
#include "common/result.h"
#include "crypto/blob_cipher.h"
#include "crypto/blob_mac.h"
#include "storage/blob_store.h"
#include "storage/store.h"

#include <memory>
#include <string>

namespace Poco {
class ThreadPool;
}

namespace kinvault::services {

class DocumentStream; // checks and decrypts an opened document ahead of the reader (document_stream.cpp)

class DocumentStreams {
public:
    DocumentStreams(storage::Store& store, storage::BlobStore& blobs, const barrier::Barrier& barrier);
    ~DocumentStreams();
    DocumentStreams(const DocumentStreams&) = delete;
    DocumentStreams& operator=(const DocumentStreams&) = delete;

    // Starts checking (and, where a helper is free, decrypting) a version at once; nothing is released
    // before verified() passes.
    [[nodiscard]] std::shared_ptr<DocumentStream> open(const storage::VersionRecord& v);
    // Waits for the check of the whole stored file.
    [[nodiscard]] static Status verified(DocumentStream& stream);
    // Streams the plaintext of an opened stream (each chunk authenticated again as it is decrypted).
    [[nodiscard]] Status write_to(const std::shared_ptr<DocumentStream>& stream,
                                  const crypto::ByteSink& sink) const;
    // The whole version decrypted on the caller's thread, chunk by chunk.
    [[nodiscard]] Status decrypt_blob(const storage::VersionRecord& v, const crypto::ByteSink& sink) const;

private:
    // The whole stored file against the version's ciphertext tag (or, for a version stored before tags,
    // a full authenticated decryption that then records the tag). Nothing is served unless this passes.
    [[nodiscard]] Status verify_blob(const storage::VersionRecord& v);
    [[nodiscard]] Status check_blob_tag(const storage::VersionRecord& v, crypto::BlobMac& mac) const;
    [[nodiscard]] Status decrypt_checked_blob(const storage::VersionRecord& v, crypto::Secret&& key,
                                              crypto::BlobMac& mac, const crypto::ByteSink& sink) const;
    [[nodiscard]] Status decrypt_blob(const storage::VersionRecord& v, crypto::Secret&& key,
                                      const crypto::ByteSink& sink) const;

    storage::Store& m_store; // records the tag of a version stored before tags, once verified
    storage::BlobStore& m_blobs;
    const barrier::Barrier& m_barrier;
    // Threads that check and decrypt documents ahead of their readers (two per download in flight).
    std::unique_ptr<Poco::ThreadPool> m_readers;
};

} // namespace kinvault::services
