#include "crypto/totp.h"

#include <botan/mac.h>
#include <sodium.h>

namespace kinvault::crypto {

namespace {

std::string mac_name(TotpHash h) {
    switch (h) {
    case TotpHash::sha1:
        return "HMAC(SHA-1)";
    case TotpHash::sha256:
        return "HMAC(SHA-256)";
    case TotpHash::sha512:
        return "HMAC(SHA-512)";
    }
    return "HMAC(SHA-1)";
}

std::string hotp(const Bytes& secret, std::uint64_t counter, const TotpParams& params) {
    auto mac = Botan::MessageAuthenticationCode::create_or_throw(mac_name(params.hash));
    mac->set_key(secret.data(), secret.size());
    std::uint8_t msg[8];
    for (int i = 7; i >= 0; --i) {
        msg[i] = static_cast<std::uint8_t>(counter & 0xff);
        counter >>= 8;
    }
    mac->update(msg, sizeof msg);
    const Botan::secure_vector<std::uint8_t> h = mac->final();
    const std::size_t offset = h.back() & 0x0f;
    const std::uint32_t bin = ((std::uint32_t{h[offset]} & 0x7f) << 24) |
                              (std::uint32_t{h[offset + 1]} << 16) | (std::uint32_t{h[offset + 2]} << 8) |
                              std::uint32_t{h[offset + 3]};
    std::uint32_t mod = 1;
    for (int i = 0; i < params.digits; ++i) {
        mod *= 10;
    }
    std::string code = std::to_string(bin % mod);
    while (code.size() < static_cast<std::size_t>(params.digits)) {
        code.insert(code.begin(), '0');
    }
    return code;
}

} // namespace

std::string totp_code(const Bytes& secret, UnixTime time, const TotpParams& params) {
    return hotp(secret, static_cast<std::uint64_t>(time / params.step_seconds), params);
}

std::optional<std::int64_t> totp_verify(const Bytes& secret, const std::string& code, UnixTime now,
                                        std::int64_t last_used_step, const TotpParams& params) {
    if (code.size() != static_cast<std::size_t>(params.digits)) {
        return std::nullopt;
    }
    const std::int64_t current = now / params.step_seconds;
    std::optional<std::int64_t> matched;
    for (std::int64_t step = current - 1; step <= current + 1; ++step) {
        if (step <= last_used_step || step < 0) {
            continue;
        }
        const std::string expected = hotp(secret, static_cast<std::uint64_t>(step), params);
        // Constant-time comparison; keep looping so timing does not reveal which step matched.
        if (sodium_memcmp(expected.data(), code.data(), expected.size()) == 0 && !matched) {
            matched = step;
        }
    }
    return matched;
}

std::string base32_encode(const Bytes& data) {
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const std::uint8_t b : data) {
        buffer = (buffer << 8) | b;
        bits += 8;
        while (bits >= 5) {
            out.push_back(k_alphabet[(buffer >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    if (bits > 0) {
        out.push_back(k_alphabet[(buffer << (5 - bits)) & 31]);
    }
    return out;
}

std::optional<Bytes> base32_decode(const std::string& text) {
    Bytes out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char raw : text) {
        if (raw == '=' || raw == ' ') {
            continue;
        }
        const char c = (raw >= 'a' && raw <= 'z') ? static_cast<char>(raw - 32) : raw;
        int v = -1;
        if (c >= 'A' && c <= 'Z') {
            v = c - 'A';
        } else if (c >= '2' && c <= '7') {
            v = c - '2' + 26;
        }
        if (v < 0) {
            return std::nullopt;
        }
        buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
        bits += 5;
        if (bits >= 8) {
            out.push_back(static_cast<std::uint8_t>((buffer >> (bits - 8)) & 0xff));
            bits -= 8;
        }
    }
    return out;
}

} // namespace kinvault::crypto
