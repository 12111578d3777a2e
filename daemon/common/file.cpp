#include "common/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <utility>

namespace kinvault {

namespace {

// The descriptor of `path`, or the error every reader reports for a file it cannot open.
Result<int> open_for_reading(const std::string& path) {
    int fd = -1;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return make_error(Errc::not_found, "cannot open " + path);
    }
    return fd;
}

// Up to `size` bytes into `out`; the count read (short only at the end of the file), or -1 on an error.
ssize_t read_some(int fd, std::uint8_t* out, std::size_t size) {
    std::size_t done = 0;
    while (done < size) {
        const ssize_t n = ::read(fd, out + done, size - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    return static_cast<ssize_t>(done);
}

template <typename Container>
Result<Container> read_whole(const std::string& path, std::size_t limit) {
    const int fd = KV_TRY_VALUE(open_for_reading(path));
    Container data;
    std::array<std::uint8_t, 64 * 1024> chunk{};
    for (;;) {
        const ssize_t n = read_some(fd, chunk.data(), chunk.size());
        if (n < 0) {
            ::close(fd);
            return make_error(Errc::unavailable, "cannot read " + path);
        }
        if (data.size() + static_cast<std::size_t>(n) > limit) {
            ::close(fd);
            return make_error(Errc::payload_too_large, path + " is too large");
        }
        data.insert(data.end(), chunk.begin(), chunk.begin() + n);
        if (static_cast<std::size_t>(n) < chunk.size()) {
            break;
        }
    }
    ::close(fd);
    return data;
}

} // namespace

Result<Bytes> read_file(const std::string& path, std::size_t limit) {
    return read_whole<Bytes>(path, limit);
}

Result<std::string> read_text_file(const std::string& path, std::size_t limit) {
    return read_whole<std::string>(path, limit);
}

Result<SizedFile> SizedFile::open(const std::string& path, std::size_t limit) {
    SizedFile file(KV_TRY_VALUE(open_for_reading(path)), 0, path);
    struct stat st {};
    if (::fstat(file.m_fd, &st) != 0) {
        return make_error(Errc::unavailable, "cannot read " + path);
    }
    if (!S_ISREG(st.st_mode)) {
        return make_error(Errc::invalid_input, path + " is not a regular file");
    }
    if (st.st_size < 0 || static_cast<std::uint64_t>(st.st_size) > limit) {
        return make_error(Errc::payload_too_large, path + " is too large");
    }
    file.m_size = static_cast<std::size_t>(st.st_size);
    return file;
}

SizedFile::~SizedFile() {
    if (m_fd >= 0) {
        ::close(m_fd);
    }
}

SizedFile::SizedFile(SizedFile&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_size(other.m_size), m_path(std::move(other.m_path)) {}

SizedFile& SizedFile::operator=(SizedFile&& other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
        m_fd = std::exchange(other.m_fd, -1);
        m_size = other.m_size;
        m_path = std::move(other.m_path);
    }
    return *this;
}

Result<void> SizedFile::read_into(std::uint8_t* out) {
    if (read_some(m_fd, out, m_size) != static_cast<ssize_t>(m_size)) {
        return make_error(Errc::unavailable, "cannot read " + m_path);
    }
    return {};
}

} // namespace kinvault
