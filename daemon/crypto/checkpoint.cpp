#include "crypto/checkpoint.h"

#include "common/hex.h"
#include "common/utf8.h"
#include "crypto/sha256.h"

#include <algorithm>
#include <sodium.h>
#include <stdexcept>
#include <utility>

namespace kinvault::crypto {

namespace {

// c2sp.org/signed-note: signature type 0x01 is Ed25519.
constexpr std::uint8_t k_alg_ed25519 = 0x01;
// The spec asks verifiers to cap notes but to accept at least 16 signatures; golang.org/x/mod/sumdb/note
// caps at 100. A checkpoint is a few hundred bytes, so 64 KiB leaves room for many cosignatures.
constexpr std::size_t k_max_note_size = 64 * 1024;
constexpr std::size_t k_max_signatures = 100;
// U+2014 EM DASH then a space opens every signature line.
constexpr std::string_view k_sig_prefix = "\xE2\x80\x94 ";

Error malformed(const std::string& why) {
    return make_error(Errc::integrity, "malformed signed note: " + why);
}

// One strict UTF-8 sequence at text[pos] (common/utf8.h), as a code point, advancing pos; -1 if invalid.
long next_code_point(std::string_view text, std::size_t& pos) {
    const auto cp = utf8::next(text, pos);
    return cp ? static_cast<long>(*cp) : -1;
}

// Go's unicode.IsSpace, which golang.org/x/mod/sumdb/note uses for key names: the ASCII white space,
// U+0085, U+00A0 and the Unicode Zs/Zl/Zp characters.
bool is_unicode_space(long cp) {
    return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
           cp == 0x3000;
}

// c2sp.org/signed-note: notes are valid UTF-8 without ASCII control characters other than newline.
bool is_note_text(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        const long cp = next_code_point(text, pos);
        if (cp < 0 || (cp < 0x20 && cp != '\n')) {
            return false;
        }
    }
    return true;
}

// Key names are non-empty and contain neither Unicode spaces nor '+'.
bool is_key_name(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    std::size_t pos = 0;
    while (pos < name.size()) {
        const long cp = next_code_point(name, pos);
        if (cp < 0 || cp == '+' || is_unicode_space(cp) || cp < 0x20) {
            return false;
        }
    }
    return true;
}

// key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4], big-endian (c2sp.org/signed-note).
std::uint32_t key_id(std::string_view name, const std::uint8_t* public_key) {
    Sha256 h;
    h.update(name);
    const std::uint8_t separator[2] = {'\n', k_alg_ed25519};
    h.update(separator, sizeof separator);
    h.update(public_key, crypto_sign_PUBLICKEYBYTES);
    const Digest d = h.finish();
    return (std::uint32_t{d[0]} << 24) | (std::uint32_t{d[1]} << 16) | (std::uint32_t{d[2]} << 8) | d[3];
}

std::string hex32(std::uint32_t value) {
    const std::uint8_t bytes[4] = {static_cast<std::uint8_t>(value >> 24),
                                   static_cast<std::uint8_t>(value >> 16),
                                   static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value)};
    return kinvault::to_hex(bytes, sizeof bytes);
}

struct VerifierKey {
    std::string name;
    std::uint32_t id{0};
    std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> public_key{};
};

Result<VerifierKey> parse_verifier_key(std::string_view vkey) {
    const auto bad = [](const std::string& why) {
        return make_error(Errc::invalid_input, "verifier key rejected: " + why);
    };
    // "<name>+<hash>+<base64>": the name has no '+', the base64 may.
    const std::size_t first = vkey.find('+');
    if (first == std::string_view::npos) {
        return bad("expected <name>+<key id>+<key>");
    }
    const std::size_t second = vkey.find('+', first + 1);
    if (second == std::string_view::npos) {
        return bad("expected <name>+<key id>+<key>");
    }
    VerifierKey key;
    key.name = std::string(vkey.substr(0, first));
    if (!is_key_name(key.name)) {
        return bad("invalid key name");
    }
    const std::string_view id_hex = vkey.substr(first + 1, second - first - 1);
    const auto id_bytes = from_hex(id_hex);
    if (id_hex.size() != 8 || !id_bytes) {
        return bad("the key id must be 8 hex digits");
    }
    key.id = (std::uint32_t{(*id_bytes)[0]} << 24) | (std::uint32_t{(*id_bytes)[1]} << 16) |
             (std::uint32_t{(*id_bytes)[2]} << 8) | (*id_bytes)[3];
    const auto material = from_base64(vkey.substr(second + 1));
    if (!material || material->empty()) {
        return bad("the key is not base64");
    }
    if ((*material)[0] != k_alg_ed25519) {
        return bad("unsupported signature type " + std::to_string((*material)[0]));
    }
    if (material->size() != 1 + crypto_sign_PUBLICKEYBYTES) {
        return bad("an Ed25519 key is 32 bytes");
    }
    std::copy(material->begin() + 1, material->end(), key.public_key.begin());
    if (key_id(key.name, key.public_key.data()) != key.id) {
        return bad("the key id does not match the name and key");
    }
    return key;
}

Result<std::uint64_t> parse_size(std::string_view line) {
    // tlog-checkpoint: ASCII decimal, no leading zeroes unless the size is 0.
    if (line.empty() || (line.size() > 1 && line[0] == '0')) {
        return malformed("non-canonical tree size");
    }
    std::uint64_t value = 0;
    for (const char c : line) {
        if (c < '0' || c > '9') {
            return malformed("non-canonical tree size");
        }
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (UINT64_MAX - digit) / 10) {
            return malformed("tree size overflows 64 bits");
        }
        value = value * 10 + digit;
    }
    return value;
}

Result<Checkpoint> parse_checkpoint_text(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) {
            return malformed("checkpoint text does not end in a newline");
        }
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    if (lines.size() < 3) {
        return malformed("a checkpoint has at least origin, size and root lines");
    }
    for (const std::string_view line : lines) {
        if (line.empty()) {
            return malformed("empty line in checkpoint");
        }
    }
    Checkpoint checkpoint;
    checkpoint.origin = std::string(lines[0]);
    auto size = KV_TRY_VALUE(parse_size(lines[1]));
    checkpoint.size = size;
    const auto root = from_base64(lines[2]);
    if (!root || root->size() != checkpoint.root.size() || to_base64(*root) != lines[2]) {
        return malformed("the root hash is not canonical base64 of 32 bytes");
    }
    std::copy(root->begin(), root->end(), checkpoint.root.begin());
    for (std::size_t i = 3; i < lines.size(); ++i) {
        checkpoint.extensions.emplace_back(lines[i]);
    }
    return checkpoint;
}

} // namespace

std::string checkpoint_body(const Checkpoint& checkpoint) {
    std::string body = checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
                       to_base64(checkpoint.root.data(), checkpoint.root.size()) + "\n";
    for (const std::string& line : checkpoint.extensions) {
        body += line;
        body += '\n';
    }
    return body;
}

CheckpointSigner::CheckpointSigner(Secret secret_key, std::string key_name)
    : m_secret_key(std::move(secret_key)), m_key_name(std::move(key_name)),
      m_key_id(key_id(m_key_name, m_secret_key.data() + crypto_sign_SEEDBYTES)) {}

CheckpointSigner CheckpointSigner::from_seed(const Secret& seed32, std::string key_name) {
    if (seed32.size() != crypto_sign_SEEDBYTES) {
        throw std::invalid_argument("CheckpointSigner: the Ed25519 seed must be 32 bytes");
    }
    if (!is_key_name(key_name)) {
        throw std::invalid_argument("CheckpointSigner: invalid note key name");
    }
    Secret secret_key(crypto_sign_SECRETKEYBYTES);
    std::array<std::uint8_t, crypto_sign_PUBLICKEYBYTES> public_key{};
    crypto_sign_seed_keypair(public_key.data(), secret_key.data(), seed32.data());
    return CheckpointSigner(std::move(secret_key), std::move(key_name));
}

CheckpointSigner CheckpointSigner::generate(std::string key_name) {
    return from_seed(Secret::random(crypto_sign_SEEDBYTES), std::move(key_name));
}

std::string CheckpointSigner::verifier_key() const {
    std::uint8_t material[1 + crypto_sign_PUBLICKEYBYTES];
    material[0] = k_alg_ed25519;
    std::copy_n(m_secret_key.data() + crypto_sign_SEEDBYTES, crypto_sign_PUBLICKEYBYTES, material + 1);
    return m_key_name + "+" + hex32(m_key_id) + "+" + to_base64(material, sizeof material);
}

std::string CheckpointSigner::sign(const Checkpoint& checkpoint) const {
    const auto single_line = [](const std::string& s) {
        return !s.empty() && s.find('\n') == std::string::npos;
    };
    if (!single_line(checkpoint.origin)) {
        throw std::invalid_argument("CheckpointSigner::sign: the origin must be one non-empty line");
    }
    for (const std::string& line : checkpoint.extensions) {
        if (!single_line(line)) {
            throw std::invalid_argument("CheckpointSigner::sign: extensions must be non-empty lines");
        }
    }
    return sign_note(checkpoint_body(checkpoint));
}

std::string CheckpointSigner::sign_note(std::string_view text) const {
    if (text.empty() || text.back() != '\n' || !is_note_text(text)) {
        throw std::invalid_argument("CheckpointSigner::sign_note: not a valid note text");
    }
    std::uint8_t signature[4 + crypto_sign_BYTES];
    signature[0] = static_cast<std::uint8_t>(m_key_id >> 24);
    signature[1] = static_cast<std::uint8_t>(m_key_id >> 16);
    signature[2] = static_cast<std::uint8_t>(m_key_id >> 8);
    signature[3] = static_cast<std::uint8_t>(m_key_id);
    crypto_sign_detached(signature + 4, nullptr, reinterpret_cast<const unsigned char*>(text.data()),
                         text.size(), m_secret_key.data());
    std::string note(text);
    note += '\n';
    note += k_sig_prefix;
    note += m_key_name;
    note += ' ';
    note += to_base64(signature, sizeof signature);
    note += '\n';
    return note;
}

Secret CheckpointSigner::seed() const {
    Secret seed(crypto_sign_SEEDBYTES);
    crypto_sign_ed25519_sk_to_seed(seed.data(), m_secret_key.data());
    return seed;
}

Result<std::string> open_note(std::string_view note_text, std::string_view verifier_key) {
    ensure_sodium();
    auto key = KV_TRY_VALUE(parse_verifier_key(verifier_key));
    if (note_text.size() > k_max_note_size) {
        return malformed("larger than " + std::to_string(k_max_note_size) + " bytes");
    }
    if (!is_note_text(note_text)) {
        return malformed("not UTF-8 text without control characters");
    }
    // The text ends at the last blank line; it keeps its final newline, the blank line is not signed.
    const std::size_t split = note_text.rfind("\n\n");
    if (split == std::string_view::npos) {
        return malformed("no blank line before the signatures");
    }
    const std::string_view text = note_text.substr(0, split + 1);
    std::string_view signatures = note_text.substr(split + 2);
    if (signatures.empty()) {
        return malformed("no signature lines");
    }

    std::size_t count = 0;
    bool verified = false;
    while (!signatures.empty()) {
        const std::size_t end = signatures.find('\n');
        if (end == std::string_view::npos) {
            return malformed("the last signature line does not end in a newline");
        }
        std::string_view line = signatures.substr(0, end);
        signatures.remove_prefix(end + 1);
        if (++count > k_max_signatures) {
            return malformed("more than " + std::to_string(k_max_signatures) + " signatures");
        }
        if (line.substr(0, k_sig_prefix.size()) != k_sig_prefix) {
            return malformed("a signature line must start with an em dash and a space");
        }
        line.remove_prefix(k_sig_prefix.size());
        const std::size_t space = line.find(' ');
        if (space == std::string_view::npos) {
            return malformed("a signature line is '<key name> <base64 signature>'");
        }
        const std::string_view name = line.substr(0, space);
        const auto signature = from_base64(line.substr(space + 1));
        if (!is_key_name(name) || !signature || signature->size() < 5) {
            return malformed("bad key name or signature encoding");
        }
        const std::uint32_t id = (std::uint32_t{(*signature)[0]} << 24) |
                                 (std::uint32_t{(*signature)[1]} << 16) |
                                 (std::uint32_t{(*signature)[2]} << 8) | (*signature)[3];
        // Another key, even one sharing our name or our ID, is ignored: rotation and cosigners.
        if (name != key.name || id != key.id) {
            continue;
        }
        if (signature->size() != 4 + crypto_sign_BYTES ||
            crypto_sign_verify_detached(signature->data() + 4,
                                        reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                                        key.public_key.data()) != 0) {
            return make_error(Errc::integrity,
                              "signed note rejected: invalid signature by " + key.name + "+" + hex32(key.id));
        }
        verified = true;
    }
    if (!verified) {
        return make_error(Errc::integrity,
                          "signed note rejected: no signature by " + key.name + "+" + hex32(key.id));
    }
    return std::string(text);
}

Result<Checkpoint> open_checkpoint(const std::string& note_text, const std::string& verifier_key) {
    // Parse the body only once the signature holds: unauthenticated text is not looked at.
    auto text = KV_TRY_VALUE(open_note(note_text, verifier_key));
    return parse_checkpoint_text(text);
}

} // namespace kinvault::crypto
