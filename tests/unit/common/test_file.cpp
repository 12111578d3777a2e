#include "common/file.h"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace kinvault;

namespace {

// A private directory for one test, removed afterwards.
struct Scratch {
    std::filesystem::path dir;
    Scratch() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "kv-file-XXXXXX").string();
        dir = ::mkdtemp(tmpl.data());
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    std::string write(const std::string& name, const std::string& bytes) const {
        const auto path = (dir / name).string();
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }
};

// A buffer type like crypto::Secret: sized once at construction, written through data().
struct FixedBuffer {
    explicit FixedBuffer(std::size_t size) : bytes(size, 0) {}
    std::uint8_t* data() { return bytes.data(); }
    std::vector<std::uint8_t> bytes;
};

} // namespace

TEST_CASE("a file is read whole when it is within the limit", "[file]") {
    const Scratch s;
    std::string big(200 * 1024 + 7, '\0'); // several read chunks, with bytes of every value
    for (std::size_t i = 0; i < big.size(); ++i) {
        big[i] = static_cast<char>(i * 31);
    }
    const auto path = s.write("big.bin", big);

    SECTION("as bytes") {
        const auto read = read_file(path, big.size());
        REQUIRE(read);
        CHECK(to_string(*read) == big);
    }
    SECTION("as text") {
        const auto read = read_text_file(path, big.size());
        REQUIRE(read);
        CHECK(*read == big);
    }
    SECTION("into a buffer the caller makes") {
        const auto read = read_file_into<FixedBuffer>(path, big.size());
        REQUIRE(read);
        CHECK(std::string(read->bytes.begin(), read->bytes.end()) == big);
    }
    SECTION("an empty file reads as nothing") {
        const auto read = read_text_file(s.write("empty", ""), 10);
        REQUIRE(read);
        CHECK(read->empty());
    }
}

TEST_CASE("a file over the limit is refused, not truncated", "[file]") {
    const Scratch s;
    const auto path = s.write("eleven", "eleven byte");

    SECTION("by read_file") {
        const auto read = read_file(path, 10);
        REQUIRE_FALSE(read);
        CHECK(read.error().code == Errc::payload_too_large);
    }
    SECTION("by read_file_into, before anything is read") {
        const auto read = read_file_into<FixedBuffer>(path, 10);
        REQUIRE_FALSE(read);
        CHECK(read.error().code == Errc::payload_too_large);
    }
}

TEST_CASE("a missing file is not_found and names its path", "[file]") {
    const Scratch s;
    const auto path = (s.dir / "absent").string();
    const auto read = read_text_file(path, 10);
    REQUIRE_FALSE(read);
    CHECK(read.error().code == Errc::not_found);
    CHECK(read.error().message.find(path) != std::string::npos);
    CHECK(read_file_into<FixedBuffer>(path, 10).error().code == Errc::not_found);
}

TEST_CASE("read_file_into takes only regular files; read_file also reads a stream to its end", "[file]") {
    const Scratch s;
    const auto read = read_file_into<FixedBuffer>(s.dir.string(), 1024);
    REQUIRE_FALSE(read);
    CHECK(read.error().code == Errc::invalid_input);

    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    REQUIRE(::write(fds[1], "piped", 5) == 5);
    ::close(fds[1]);
    const auto piped = read_text_file("/proc/self/fd/" + std::to_string(fds[0]), 1024);
    ::close(fds[0]);
    REQUIRE(piped);
    CHECK(*piped == "piped");
}
