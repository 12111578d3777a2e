#include "crypto/secret.h"
#include "crypto/secretstream_pull.h"

#include <catch2/catch.hpp>

#include <sodium.h>

#include <cstdint>
#include <string>
#include <vector>

using namespace kinvault::crypto;

namespace {

using Chunk = std::vector<std::uint8_t>;

struct Pushed {
    std::uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
    std::uint8_t header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    std::vector<Chunk> plain;
    std::vector<std::uint8_t> tags;
    std::vector<Chunk> cipher;
    std::string ad;
};

// Encrypts chunks of the given sizes and tags with libsodium, the reference.
Pushed push(const std::vector<std::size_t>& sizes, const std::vector<std::uint8_t>& tags, std::string ad) {
    ensure_sodium();
    Pushed p;
    p.ad = std::move(ad);
    crypto_secretstream_xchacha20poly1305_keygen(p.key);
    crypto_secretstream_xchacha20poly1305_state st;
    crypto_secretstream_xchacha20poly1305_init_push(&st, p.header, p.key);
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        Chunk m(sizes[i]);
        randombytes_buf(m.data(), m.size());
        Chunk c(m.size() + crypto_secretstream_xchacha20poly1305_ABYTES);
        unsigned long long len = 0;
        crypto_secretstream_xchacha20poly1305_push(&st, c.data(), &len, m.data(), m.size(),
                                                   reinterpret_cast<const unsigned char*>(p.ad.data()),
                                                   p.ad.size(), tags[i]);
        REQUIRE(len == c.size());
        p.plain.push_back(std::move(m));
        p.tags.push_back(tags[i]);
        p.cipher.push_back(std::move(c));
    }
    return p;
}

// Pulls every chunk; returns how many authenticated and matched the plaintext and tag exactly.
std::size_t pull_all(SecretstreamPull& reader, const Pushed& p) {
    REQUIRE(reader.init(p.header, p.key));
    std::size_t matched = 0;
    for (std::size_t i = 0; i < p.cipher.size(); ++i) {
        Chunk out(p.cipher[i].size());
        std::size_t len = 0;
        std::uint8_t tag = 0xff;
        if (!reader.pull(out.data(), &len, &tag, p.cipher[i].data(), p.cipher[i].size(),
                         reinterpret_cast<const std::uint8_t*>(p.ad.data()), p.ad.size())) {
            break;
        }
        out.resize(len);
        if (out != p.plain[i] || tag != p.tags[i]) {
            break;
        }
        ++matched;
    }
    return matched;
}

} // namespace

TEST_CASE("the OpenSSL secretstream reader decrypts exactly what libsodium wrote", "[secretstream]") {
    SecretstreamPull fast(true);
    if (!fast.uses_openssl()) {
        WARN("this OpenSSL lacks ChaCha20 or Poly1305: only the libsodium path is tested");
    }
    const std::uint8_t msg = crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    const std::uint8_t fin = crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    const std::uint8_t rekey = crypto_secretstream_xchacha20poly1305_TAG_REKEY;
    const std::uint8_t push_tag = crypto_secretstream_xchacha20poly1305_TAG_PUSH;
    // Sizes around every padding and block boundary, an empty chunk, whole 64 KiB chunks; tags of every kind,
    // including a rekey in the middle; associated data of several lengths.
    const std::vector<std::size_t> sizes = {0,  1,  15,  16,  17,   47,    48,    63,
                                            64, 65, 127, 128, 1000, 65536, 65536, 3};
    std::vector<std::uint8_t> tags(sizes.size(), msg);
    tags[5] = push_tag;
    tags[9] = rekey;
    tags.back() = fin;
    for (const std::string& ad : {std::string(), std::string("d"), std::string("doc_abc|v3|k1"),
                                  std::string(16, 'a'), std::string(33, 'b')}) {
        const Pushed p = push(sizes, tags, ad);
        SecretstreamPull a(true);
        SecretstreamPull b(false);
        CHECK(pull_all(a, p) == sizes.size());
        CHECK(pull_all(b, p) == sizes.size());
    }
}

TEST_CASE("the OpenSSL secretstream reader refuses what libsodium refuses", "[secretstream]") {
    const std::uint8_t msg = crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
    const Pushed p = push({100, 64, 5}, {msg, msg, crypto_secretstream_xchacha20poly1305_TAG_FINAL}, "bind");
    for (const bool openssl : {true, false}) {
        // Every single-bit flip anywhere in the second chunk (tag byte, body, MAC) fails it.
        for (std::size_t byte = 0; byte < p.cipher[1].size(); ++byte) {
            Pushed bad = p;
            bad.cipher[1][byte] ^= 0x10;
            SecretstreamPull r(openssl);
            CHECK(pull_all(r, bad) == 1);
        }
        // Other associated data, swapped chunks, a dropped chunk, a short chunk.
        Pushed other_ad = p;
        other_ad.ad = "bond";
        SecretstreamPull r1(openssl);
        CHECK(pull_all(r1, other_ad) == 0);
        Pushed swapped = p;
        std::swap(swapped.cipher[0], swapped.cipher[1]);
        SecretstreamPull r2(openssl);
        CHECK(pull_all(r2, swapped) == 0);
        Pushed dropped = p;
        dropped.cipher.erase(dropped.cipher.begin() + 1);
        dropped.plain.erase(dropped.plain.begin() + 1);
        dropped.tags.erase(dropped.tags.begin() + 1);
        SecretstreamPull r3(openssl);
        CHECK(pull_all(r3, dropped) == 1);
        SecretstreamPull r4(openssl);
        REQUIRE(r4.init(p.header, p.key));
        std::uint8_t out[256];
        std::size_t len = 0;
        std::uint8_t tag = 0;
        CHECK_FALSE(r4.pull(out, &len, &tag, p.cipher[0].data(), 16, nullptr, 0));
        // After a failure the reader stays refused, even for the genuine chunk.
        CHECK_FALSE(r4.pull(out, &len, &tag, p.cipher[0].data(), p.cipher[0].size(),
                            reinterpret_cast<const std::uint8_t*>(p.ad.data()), p.ad.size()));
    }
}
