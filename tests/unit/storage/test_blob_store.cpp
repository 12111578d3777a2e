#include "storage/blob_store.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace kinvault;
using namespace kinvault::storage;

namespace {
struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/kv-blob-XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

std::string read_all(const BlobStore& store, const std::string& id) {
    std::string out;
    REQUIRE(store.read(id, [&](const std::uint8_t* d, std::size_t n) -> Status {
        out.append(reinterpret_cast<const char*>(d), n);
        return {};
    }));
    return out;
}
} // namespace

TEST_CASE("a committed blob is readable and private; an aborted one leaves nothing", "[blob]") {
    TempDir dir;
    BlobStore store(dir.path + "/blobs");
    REQUIRE(store.init());
    auto w = store.create();
    REQUIRE(w);
    const std::string data = "ciphertext bytes";
    REQUIRE((*w)->write(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()));
    REQUIRE((*w)->commit("blob_abcdefghij"));
    CHECK(read_all(store, "blob_abcdefghij") == data);
    struct stat st {};
    REQUIRE(::stat(store.path_of("blob_abcdefghij").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);

    {
        auto aborted = store.create();
        REQUIRE(aborted);
        REQUIRE((*aborted)->write(reinterpret_cast<const std::uint8_t*>("x"), 1));
        // destroyed without commit
    }
    CHECK(std::filesystem::is_empty(dir.path + "/blobs/tmp"));
    CHECK(store.list()->size() == 1);
}

TEST_CASE("orphans and leftover temporary files are removed at start", "[blob]") {
    TempDir dir;
    BlobStore store(dir.path + "/blobs");
    REQUIRE(store.init());
    for (const char* id : {"blob_keepkeepkeep", "blob_orphanorphan"}) {
        auto w = store.create();
        REQUIRE(w);
        REQUIRE((*w)->write(reinterpret_cast<const std::uint8_t*>("x"), 1));
        REQUIRE((*w)->commit(id));
    }
    std::ofstream(dir.path + "/blobs/tmp/upload-interrupted") << "partial";
    auto removed = store.remove_orphans({"blob_keepkeepkeep"});
    REQUIRE(removed);
    CHECK(*removed == 2);
    auto left = store.list();
    REQUIRE(left);
    CHECK(*left == std::vector<std::string>{"blob_keepkeepkeep"});
}

TEST_CASE("blob ids that could escape the directory are refused", "[blob]") {
    TempDir dir;
    BlobStore store(dir.path + "/blobs");
    REQUIRE(store.init());
    auto w = store.create();
    REQUIRE(w);
    CHECK_FALSE((*w)->commit("../../etc/passwd"));
    CHECK_FALSE(store.read("../x", [](const std::uint8_t*, std::size_t) -> Status { return {}; }));
    CHECK_FALSE(store.remove("a/b"));
}

TEST_CASE("small files are written durably with the requested mode", "[blob]") {
    TempDir dir;
    REQUIRE(write_file_durably(dir.path + "/keyring", "content", 0600));
    std::ifstream in(dir.path + "/keyring");
    std::string s;
    std::getline(in, s);
    CHECK(s == "content");
    struct stat st {};
    REQUIRE(::stat((dir.path + "/keyring").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
}
