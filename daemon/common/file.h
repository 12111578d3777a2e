// Reading a whole file with a size limit: one way, so every caller refuses an oversized file the same way
// and none reads an unbounded file into memory.
#pragma once

#include "common/hex.h"
#include "common/result.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace kinvault {

// Errors: not_found (cannot open), payload_too_large (over `limit` bytes), unavailable (a read failed).
// Pipes and other streams are read until their end, so `<(command)` works as a path.
[[nodiscard]] Result<Bytes> read_file(const std::string& path, std::size_t limit);
[[nodiscard]] Result<std::string> read_text_file(const std::string& path, std::size_t limit);

// An open regular file of known size, for reading straight into memory the caller owns.
class SizedFile {
public:
    // Errors as read_file, and invalid_input when `path` is not a regular file.
    [[nodiscard]] static Result<SizedFile> open(const std::string& path, std::size_t limit);
    ~SizedFile();
    SizedFile(SizedFile&& other) noexcept;
    SizedFile& operator=(SizedFile&& other) noexcept;
    SizedFile(const SizedFile&) = delete;
    SizedFile& operator=(const SizedFile&) = delete;

    [[nodiscard]] std::size_t size() const noexcept { return m_size; }
    // Reads exactly size() bytes into `out`; fails if the file shrank since it was opened.
    [[nodiscard]] Result<void> read_into(std::uint8_t* out);

private:
    SizedFile(int fd, std::size_t size, std::string path) : m_fd(fd), m_size(size), m_path(std::move(path)) {}
    int m_fd{-1};
    std::size_t m_size{0};
    std::string m_path;
};

// Reads a regular file into a Buffer made with Buffer(size) and written through data(): with
// crypto::Secret, a private key goes from the file into locked memory with no copy left in the heap.
template <typename Buffer>
[[nodiscard]] Result<Buffer> read_file_into(const std::string& path, std::size_t limit) {
    auto file = KV_TRY_VALUE(SizedFile::open(path, limit));
    Buffer buffer(file.size());
    KV_TRY(file.read_into(buffer.data()));
    return buffer;
}

} // namespace kinvault
