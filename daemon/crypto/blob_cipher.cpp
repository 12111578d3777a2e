#include "crypto/blob_cipher.h"

#include "crypto/secretstream_pull.h"

#include <algorithm>
#include <cstring>
#include <sodium.h>
#include <stdexcept>

namespace kinvault::crypto {

namespace {

constexpr std::uint8_t k_magic[4] = {'K', 'V', 'B', '1'};
constexpr std::size_t k_header = crypto_secretstream_xchacha20poly1305_HEADERBYTES;
constexpr std::size_t k_abytes = crypto_secretstream_xchacha20poly1305_ABYTES;
constexpr std::size_t k_cipher_chunk = k_blob_chunk + k_abytes;

} // namespace

std::uint64_t blob_ciphertext_size(std::uint64_t plaintext_size) {
    const std::uint64_t full = plaintext_size / k_blob_chunk;
    // The final chunk is always present (possibly empty), so a stream that ends exactly on a chunk boundary
    // still proves its end.
    return sizeof k_magic + k_header + full * k_cipher_chunk + (plaintext_size % k_blob_chunk) + k_abytes;
}

struct BlobEncryptor::State {
    crypto_secretstream_xchacha20poly1305_state st{};
    std::string ad;
    ByteSink sink;
    Secret buffer{k_blob_chunk};
    std::size_t filled{0};
    Bytes out = Bytes(k_cipher_chunk);
    bool finished{false};
    bool failed{false};

    bool emit(unsigned char tag) {
        unsigned long long len = 0;
        crypto_secretstream_xchacha20poly1305_push(&st, out.data(), &len, buffer.data(), filled,
                                                   reinterpret_cast<const unsigned char*>(ad.data()),
                                                   ad.size(), tag);
        filled = 0;
        if (!sink(out.data(), static_cast<std::size_t>(len))) {
            failed = true;
        }
        return !failed;
    }
};

BlobEncryptor::BlobEncryptor(const Secret& data_key, std::string associated_data, ByteSink sink)
    : m_state(std::make_unique<State>()) {
    ensure_sodium();
    if (data_key.size() != crypto_secretstream_xchacha20poly1305_KEYBYTES) {
        throw std::invalid_argument("BlobEncryptor: wrong key size");
    }
    m_state->ad = std::move(associated_data);
    m_state->sink = std::move(sink);
    std::uint8_t head[sizeof k_magic + k_header];
    std::memcpy(head, k_magic, sizeof k_magic);
    crypto_secretstream_xchacha20poly1305_init_push(&m_state->st, head + sizeof k_magic, data_key.data());
    if (!m_state->sink(head, sizeof head)) {
        m_state->failed = true;
    }
}

BlobEncryptor::~BlobEncryptor() {
    sodium_memzero(&m_state->st, sizeof m_state->st);
}

bool BlobEncryptor::write(const std::uint8_t* data, std::size_t size) {
    State& s = *m_state;
    if (s.failed || s.finished) {
        return false;
    }
    while (size > 0) {
        const std::size_t take = std::min(size, k_blob_chunk - s.filled);
        std::memcpy(s.buffer.data() + s.filled, data, take);
        s.filled += take;
        data += take;
        size -= take;
        if (s.filled == k_blob_chunk && !s.emit(0)) {
            return false;
        }
    }
    return true;
}

bool BlobEncryptor::finish() {
    State& s = *m_state;
    if (s.failed || s.finished) {
        return false;
    }
    s.finished = true;
    return s.emit(crypto_secretstream_xchacha20poly1305_TAG_FINAL);
}

struct BlobDecryptor::State {
    SecretstreamPull stream; // libsodium's format, decrypted with OpenSSL's faster primitives where present
    std::string ad;
    ByteSink sink;
    Secret key;
    Bytes pending;
    // Document plaintext, not key material: an ordinary buffer (wiped at the end), which spares every read
    // the page mapping, locking and unmapping of a guarded allocation.
    Bytes plain = Bytes(k_blob_chunk);
    bool started{false};
    bool final_seen{false};
    bool failed{false};
    std::uint64_t chunk_index{0};

    Status process_chunk(const std::uint8_t* c, std::size_t len) {
        std::size_t out_len = 0;
        std::uint8_t tag = 0;
        if (!stream.pull(plain.data(), &out_len, &tag, c, len,
                         reinterpret_cast<const std::uint8_t*>(ad.data()), ad.size())) {
            return make_error(Errc::integrity,
                              "stored document chunk " + std::to_string(chunk_index) +
                                  " failed authentication (modified, reordered or misplaced)");
        }
        ++chunk_index;
        if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) {
            final_seen = true;
        } else if (tag != 0) {
            return make_error(Errc::integrity, "stored document has an unexpected chunk tag");
        }
        if (out_len > 0 && !sink(plain.data(), out_len)) {
            return make_error(Errc::unavailable, "the reader stopped");
        }
        return {};
    }
};

BlobDecryptor::BlobDecryptor(const Secret& data_key, std::string associated_data, ByteSink sink)
    : BlobDecryptor(data_key.clone(), std::move(associated_data), std::move(sink)) {}

BlobDecryptor::BlobDecryptor(Secret&& data_key, std::string associated_data, ByteSink sink)
    : m_state(std::make_unique<State>()) {
    ensure_sodium();
    m_state->ad = std::move(associated_data);
    m_state->sink = std::move(sink);
    m_state->key = std::move(data_key);
}

BlobDecryptor::~BlobDecryptor() {
    sodium_memzero(m_state->plain.data(), m_state->plain.size());
}

Status BlobDecryptor::feed(const std::uint8_t* data, std::size_t size) {
    State& s = *m_state;
    if (s.failed) {
        return make_error(Errc::integrity, "stored document failed authentication");
    }
    if (!s.started) {
        const std::size_t need = sizeof k_magic + k_header - s.pending.size();
        const std::size_t take = std::min(need, size);
        s.pending.insert(s.pending.end(), data, data + take);
        data += take;
        size -= take;
        if (s.pending.size() < sizeof k_magic + k_header) {
            return {};
        }
        if (std::memcmp(s.pending.data(), k_magic, sizeof k_magic) != 0) {
            s.failed = true;
            return make_error(Errc::integrity, "stored document is not a Kinvault blob");
        }
        if (!s.stream.init(s.pending.data() + sizeof k_magic, s.key.data())) {
            s.failed = true;
            return make_error(Errc::integrity, "stored document header is invalid");
        }
        s.started = true;
        s.pending.clear();
    }
    // A whole chunk is kept back until more arrives: only at finish() do we know whether a short tail is
    // the last chunk. Chunks are decrypted straight from the caller's buffer; only a chunk split across two
    // feeds is assembled in `pending`.
    auto process = [&](const std::uint8_t* chunk) -> Status {
        if (s.final_seen) {
            s.failed = true;
            return make_error(Errc::integrity, "stored document continues after its final chunk");
        }
        Status st = s.process_chunk(chunk, k_cipher_chunk);
        if (!st) {
            s.failed = true;
        }
        return st;
    };
    if (!s.pending.empty()) {
        const std::size_t take = std::min(k_cipher_chunk - std::min(k_cipher_chunk, s.pending.size()), size);
        s.pending.insert(s.pending.end(), data, data + take);
        data += take;
        size -= take;
        if (s.pending.size() < k_cipher_chunk || size == 0) {
            return {};
        }
        KV_TRY(process(s.pending.data()));
        s.pending.clear();
    }
    while (size > k_cipher_chunk) {
        KV_TRY(process(data));
        data += k_cipher_chunk;
        size -= k_cipher_chunk;
    }
    s.pending.assign(data, data + size);
    return {};
}

Status BlobDecryptor::finish() {
    State& s = *m_state;
    if (s.failed) {
        return make_error(Errc::integrity, "stored document failed authentication");
    }
    if (!s.started) {
        return make_error(Errc::integrity, "stored document is truncated (no header)");
    }
    if (s.final_seen) {
        if (!s.pending.empty()) {
            return make_error(Errc::integrity, "stored document continues after its final chunk");
        }
        return {};
    }
    if (s.pending.size() < k_abytes) {
        return make_error(Errc::integrity, "stored document is truncated");
    }
    Status st = s.process_chunk(s.pending.data(), s.pending.size());
    s.pending.clear();
    if (!st) {
        return st;
    }
    if (!s.final_seen) {
        return make_error(Errc::integrity, "stored document is truncated (final chunk missing)");
    }
    return {};
}

} // namespace kinvault::crypto
