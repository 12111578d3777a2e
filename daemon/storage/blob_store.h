// Encrypted document blobs on the local file system. A blob is written to tmp/, fsynced, renamed into
// place and the directory fsynced (security.md "Durability"), so a crash leaves either nothing or a whole
// file. Blobs hold ciphertext only; storage/ never sees plaintext or keys.
#pragma once

#include "common/hex.h"
#include "common/result.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kinvault::storage {

class BlobWriter {
public:
    virtual ~BlobWriter() = default;
    [[nodiscard]] virtual bool write(const std::uint8_t* data, std::size_t size) = 0;
    // Makes the blob durable under `blob_id`. After commit the writer is spent.
    [[nodiscard]] virtual Status commit(const std::string& blob_id) = 0;
    // Discards the temporary file (also done by the destructor when not committed).
    virtual void abort() = 0;
};

// Pull-style reader over one stored blob.
class BlobReader {
public:
    virtual ~BlobReader() = default;
    // Reads up to `size` bytes; 0 at end of file.
    [[nodiscard]] virtual Result<std::size_t> read(std::uint8_t* buffer, std::size_t size) = 0;
};

class BlobStore {
public:
    explicit BlobStore(std::string root);

    [[nodiscard]] Status init();
    [[nodiscard]] Result<std::unique_ptr<BlobWriter>> create();
    // Reads the blob in slices of up to `slice` bytes. The callback returns false to stop early.
    [[nodiscard]] Status read(const std::string& blob_id,
                              const std::function<Status(const std::uint8_t*, std::size_t)>& fn,
                              std::size_t slice = 256 * 1024) const;
    [[nodiscard]] Result<std::unique_ptr<BlobReader>> open(const std::string& blob_id) const;
    [[nodiscard]] Status remove(const std::string& blob_id);
    [[nodiscard]] Result<std::vector<std::string>> list() const;
    // Deletes temporary files left by an interrupted write and blobs no row refers to. Returns how many.
    [[nodiscard]] Result<std::size_t> remove_orphans(const std::vector<std::string>& referenced);

    [[nodiscard]] std::string path_of(const std::string& blob_id) const;

private:
    std::string m_root;
};

// Durable small-file write (temp, fsync, rename, fsync dir) with the given mode.
[[nodiscard]] Status write_file_durably(const std::string& path, const std::string& content,
                                        unsigned mode = 0600);

} // namespace kinvault::storage
