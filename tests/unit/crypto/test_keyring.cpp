#include "crypto/keyring.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace kinvault;
using namespace kinvault::crypto;

namespace {
std::string temp_path(const std::string& name) {
    return (std::filesystem::temp_directory_path() /
            ("kv-keyring-" + std::to_string(::getpid()) + "-" + name))
        .string();
}
} // namespace

TEST_CASE("a key-file keyring unseals with its key and nothing else", "[keyring]") {
    const Secret file_key = Secret::random(32);
    auto created = Keyring::create(UnsealMethod::key_file, file_key);
    REQUIRE(created);
    auto& [ring, record] = created.value();

    SECTION("the record survives serialisation and unseals") {
        auto parsed = KeyringRecord::parse(record.serialize());
        REQUIRE(parsed);
        auto reopened = Keyring::unseal(*parsed, file_key);
        REQUIRE(reopened);
        const Secret dek = Secret::random(32);
        const WrappedKey wrapped = ring.wrap_key(dek, "doc:doc_a:v1");
        auto unwrapped = reopened->unwrap_key(wrapped, "doc:doc_a:v1");
        REQUIRE(unwrapped);
        CHECK(unwrapped->equals(dek));
    }
    SECTION("a wrong key file is refused as unauthenticated") {
        auto reopened = Keyring::unseal(record, Secret::random(32));
        REQUIRE_FALSE(reopened);
        CHECK(reopened.error().code == Errc::unauthenticated);
    }
    SECTION("a data key bound to one document version does not unwrap for another") {
        const WrappedKey wrapped = ring.wrap_key(Secret::random(32), "doc:doc_a:v1");
        CHECK_FALSE(ring.unwrap_key(wrapped, "doc:doc_a:v2"));
        CHECK_FALSE(ring.unwrap_key(wrapped, "doc:doc_b:v1"));
        WrappedKey wrong_version = wrapped;
        wrong_version.kek_version = 7;
        CHECK_FALSE(ring.unwrap_key(wrong_version, "doc:doc_a:v1"));
    }
    SECTION("fields round-trip and are bound to their context") {
        const Bytes sealed = ring.seal_field("Zoë O'Brien-Núñez", "party:p1:name");
        auto opened = ring.open_field(sealed, "party:p1:name");
        REQUIRE(opened);
        CHECK(*opened == "Zoë O'Brien-Núñez");
        CHECK_FALSE(ring.open_field(sealed, "party:p2:name"));
    }
    SECTION("after rotation old data keys still open and new ones use the new version") {
        const WrappedKey old_wrapped = ring.wrap_key(Secret::random(32), "doc:x:v1");
        const KeyringRecord rotated = ring.rotate(record);
        CHECK(ring.current_kek_version() == 2);
        auto reopened = Keyring::unseal(rotated, file_key);
        REQUIRE(reopened);
        CHECK(reopened->unwrap_key(old_wrapped, "doc:x:v1"));
        CHECK(ring.wrap_key(Secret::random(32), "doc:x:v2").kek_version == 2);
    }
    SECTION("the blind index is deterministic per value and purpose") {
        CHECK(ring.blind_index("email", "a@example.org") == ring.blind_index("email", "a@example.org"));
        CHECK(ring.blind_index("email", "a@example.org") != ring.blind_index("email", "b@example.org"));
        CHECK(ring.blind_index("email", "a@example.org") != ring.blind_index("other", "a@example.org"));
    }
}

TEST_CASE("a passphrase keyring refuses short passphrases and wrong ones", "[keyring]") {
    CHECK_FALSE(Keyring::create(UnsealMethod::passphrase, Secret::from_view("short")));
    auto created = Keyring::create(UnsealMethod::passphrase, Secret::from_view("a long vault passphrase"));
    REQUIRE(created);
    CHECK(Keyring::unseal(created->second, Secret::from_view("a long vault passphrase")));
    CHECK_FALSE(Keyring::unseal(created->second, Secret::from_view("a long vault passphrasE")));
}

TEST_CASE("damaged keyring files are refused", "[keyring]") {
    CHECK_FALSE(KeyringRecord::parse(""));
    CHECK_FALSE(KeyringRecord::parse("kinvault-keyring 1\nmethod key-file\n"));
    CHECK_FALSE(KeyringRecord::parse("kinvault-keyring 1\nmethod key-file\nroot !!!\nkek 1 AAAA\n"));
}

TEST_CASE("key files must be private and hold a 32-byte key", "[keyring]") {
    const std::string path = temp_path("unseal.key");
    std::filesystem::remove(path);
    REQUIRE(create_key_file(path));
    SECTION("a fresh key file is 0600 and readable") {
        struct stat st {};
        REQUIRE(::stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
        auto key = read_key_file(path);
        REQUIRE(key);
        CHECK(key->size() == 32);
    }
    SECTION("a key file readable by the group is refused") {
        ::chmod(path.c_str(), 0640);
        auto key = read_key_file(path);
        REQUIRE_FALSE(key);
        CHECK(key.error().message.find("chmod 600") != std::string::npos);
    }
    SECTION("an existing key file is never overwritten") {
        CHECK_FALSE(create_key_file(path));
    }
    SECTION("a key file with the wrong length is refused") {
        std::filesystem::remove(path);
        {
            std::ofstream out(path);
            out << "too short";
        }
        ::chmod(path.c_str(), 0600);
        CHECK_FALSE(read_key_file(path));
    }
    std::filesystem::remove(path);
}
