#include "storage/blob_store.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_set>

namespace kinvault::storage {

namespace {

bool valid_blob_id(const std::string& id) {
    if (id.size() < 8 || id.size() > 64) {
        return false;
    }
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) {
            return false;
        }
    }
    return true;
}

Status fsync_dir(const std::string& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(Errc::unavailable, "cannot open directory " + dir + ": " + std::strerror(errno));
    }
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) {
        return make_error(Errc::unavailable, "cannot sync directory " + dir + ": " + std::strerror(errno));
    }
    return {};
}

Status ensure_dir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return make_error(Errc::unavailable, "cannot create directory " + dir + ": " + std::strerror(errno));
    }
    return {};
}

std::string random_suffix() {
    static std::atomic<unsigned long> counter{0};
    return std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

class FileBlobWriter final : public BlobWriter {
public:
    FileBlobWriter(const BlobStore& store, std::string root, std::string tmp_path, int fd)
        : m_store(store), m_root(std::move(root)), m_tmp(std::move(tmp_path)), m_fd(fd) {}
    ~FileBlobWriter() override { abort(); }

    bool write(const std::uint8_t* data, std::size_t size) override {
        while (size > 0 && m_fd >= 0) {
            const ssize_t n = ::write(m_fd, data, size);
            if (n < 0) {
                if (errno == EINTR) {
                    continue;
                }
                return false;
            }
            data += n;
            size -= static_cast<std::size_t>(n);
        }
        return m_fd >= 0;
    }

    Status commit(const std::string& blob_id) override {
        if (m_fd < 0) {
            return make_error(Errc::internal, "blob writer already closed");
        }
        if (!valid_blob_id(blob_id)) {
            return make_error(Errc::internal, "invalid blob id");
        }
        if (::fsync(m_fd) != 0) {
            const int e = errno;
            abort();
            return make_error(Errc::unavailable, std::string("cannot sync document: ") + std::strerror(e));
        }
        ::close(m_fd);
        m_fd = -1;
        const std::string final_path = m_store.path_of(blob_id);
        const std::string dir = final_path.substr(0, final_path.rfind('/'));
        KV_TRY(ensure_dir(dir));
        if (::rename(m_tmp.c_str(), final_path.c_str()) != 0) {
            const int e = errno;
            ::unlink(m_tmp.c_str());
            return make_error(Errc::unavailable, std::string("cannot store document: ") + std::strerror(e));
        }
        m_tmp.clear();
        KV_TRY(fsync_dir(dir));
        return fsync_dir(m_root);
    }

    void abort() override {
        if (m_fd >= 0) {
            ::close(m_fd);
            m_fd = -1;
        }
        if (!m_tmp.empty()) {
            ::unlink(m_tmp.c_str());
            m_tmp.clear();
        }
    }

private:
    const BlobStore& m_store;
    std::string m_root;
    std::string m_tmp;
    int m_fd;
};

class FileBlobReader final : public BlobReader {
public:
    explicit FileBlobReader(int fd) : m_fd(fd) {}
    ~FileBlobReader() override { ::close(m_fd); }
    FileBlobReader(const FileBlobReader&) = delete;
    FileBlobReader& operator=(const FileBlobReader&) = delete;

    Result<std::size_t> read(std::uint8_t* buffer, std::size_t size) override {
        while (true) {
            const ssize_t n = ::read(m_fd, buffer, size);
            if (n >= 0) {
                return static_cast<std::size_t>(n);
            }
            if (errno != EINTR) {
                return make_error(Errc::unavailable,
                                  std::string("cannot read document: ") + std::strerror(errno));
            }
        }
    }

private:
    int m_fd;
};

} // namespace

BlobStore::BlobStore(std::string root) : m_root(std::move(root)) {}

Status BlobStore::init() {
    KV_TRY(ensure_dir(m_root));
    KV_TRY(ensure_dir(m_root + "/tmp"));
    return {};
}

std::string BlobStore::path_of(const std::string& blob_id) const {
    // Fan out by the last two characters (random) so no directory grows without bound.
    return m_root + "/" + blob_id.substr(blob_id.size() - 2) + "/" + blob_id;
}

Result<std::unique_ptr<BlobWriter>> BlobStore::create() {
    const std::string tmp = m_root + "/tmp/upload-" + random_suffix();
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return make_error(Errc::unavailable,
                          std::string("cannot create a temporary file: ") + std::strerror(errno));
    }
    return std::unique_ptr<BlobWriter>(std::make_unique<FileBlobWriter>(*this, m_root, tmp, fd));
}

Status BlobStore::read(const std::string& blob_id,
                       const std::function<Status(const std::uint8_t*, std::size_t)>& fn,
                       std::size_t slice) const {
    if (!valid_blob_id(blob_id)) {
        return make_error(Errc::internal, "invalid blob id");
    }
    const int fd = ::open(path_of(blob_id).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(Errc::integrity, "the stored document file is missing");
    }
    // One read buffer per thread, reused: a fresh slice per read would be zero-filled, and freed back to the
    // kernel, every time. It only ever holds ciphertext.
    thread_local std::vector<std::uint8_t> buf;
    if (buf.size() < slice) {
        buf.resize(slice);
    }
    Status result;
    while (true) {
        const ssize_t n = ::read(fd, buf.data(), slice);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            result =
                make_error(Errc::unavailable, std::string("cannot read document: ") + std::strerror(errno));
            break;
        }
        if (n == 0) {
            break;
        }
        result = fn(buf.data(), static_cast<std::size_t>(n));
        if (!result) {
            break;
        }
    }
    ::close(fd);
    return result;
}

Result<std::unique_ptr<BlobReader>> BlobStore::open(const std::string& blob_id) const {
    if (!valid_blob_id(blob_id)) {
        return make_error(Errc::internal, "invalid blob id");
    }
    const int fd = ::open(path_of(blob_id).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return make_error(Errc::integrity, "the stored document file is missing");
    }
    return std::unique_ptr<BlobReader>(std::make_unique<FileBlobReader>(fd));
}

Status BlobStore::remove(const std::string& blob_id) {
    if (!valid_blob_id(blob_id)) {
        return make_error(Errc::internal, "invalid blob id");
    }
    const std::string path = path_of(blob_id);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        return make_error(Errc::unavailable, std::string("cannot remove blob: ") + std::strerror(errno));
    }
    return fsync_dir(path.substr(0, path.rfind('/')));
}

Result<std::vector<std::string>> BlobStore::list() const {
    std::vector<std::string> out;
    DIR* root = ::opendir(m_root.c_str());
    if (root == nullptr) {
        return make_error(Errc::unavailable, "cannot list the blob directory");
    }
    while (const dirent* e = ::readdir(root)) {
        const std::string sub = e->d_name;
        if (sub.size() != 2 || sub == "..") {
            continue;
        }
        DIR* d = ::opendir((m_root + "/" + sub).c_str());
        if (d == nullptr) {
            continue;
        }
        while (const dirent* f = ::readdir(d)) {
            const std::string name = f->d_name;
            if (valid_blob_id(name)) {
                out.push_back(name);
            }
        }
        ::closedir(d);
    }
    ::closedir(root);
    return out;
}

Result<std::size_t> BlobStore::remove_orphans(const std::vector<std::string>& referenced) {
    std::size_t removed = 0;
    // Temporary files are always orphans at start: no upload is in flight yet.
    if (DIR* tmp = ::opendir((m_root + "/tmp").c_str())) {
        while (const dirent* e = ::readdir(tmp)) {
            const std::string name = e->d_name;
            if (name != "." && name != "..") {
                ::unlink((m_root + "/tmp/" + name).c_str());
                ++removed;
            }
        }
        ::closedir(tmp);
    }
    const std::unordered_set<std::string> keep(referenced.begin(), referenced.end());
    auto all = KV_TRY_VALUE(list());
    for (const std::string& id : all) {
        if (keep.count(id) == 0) {
            KV_TRY(remove(id));
            ++removed;
        }
    }
    return removed;
}

Status write_file_durably(const std::string& path, const std::string& content, unsigned mode) {
    const std::string tmp = path + ".tmp-" + random_suffix();
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        return make_error(Errc::unavailable, "cannot write " + path + ": " + std::strerror(errno));
    }
    const bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
                    ::fsync(fd) == 0;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return make_error(Errc::unavailable, "cannot write " + path);
    }
    const std::string dir = path.rfind('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
    return fsync_dir(dir.empty() ? "/" : dir);
}

} // namespace kinvault::storage
