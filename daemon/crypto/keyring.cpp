#include "crypto/keyring.h"

#include "crypto/aead.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sodium.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace kinvault::crypto {

namespace {

constexpr std::string_view k_root_ad = "kinvault:root-key:v1";

std::string kek_ad(std::uint32_t version) {
    return "kinvault:kek:v" + std::to_string(version);
}

std::string data_key_ad(std::string_view context, std::uint32_t kek_version) {
    return "kinvault:data-key:" + std::string(context) + ":k" + std::to_string(kek_version);
}

std::string field_ad(std::string_view context, std::uint32_t kek_version) {
    return "kinvault:field:" + std::string(context) + ":k" + std::to_string(kek_version);
}

Result<Secret> derive_unseal_key(const KeyringRecord& record, const Secret& unseal_secret) {
    if (record.method == UnsealMethod::key_file) {
        if (unseal_secret.size() != k_key_size) {
            return make_error(Errc::invalid_input, "the key file must hold exactly 32 bytes");
        }
        // Domain-separate the raw key file from any other use of the same bytes.
        Secret out(k_key_size);
        crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>("kinvault-unseal"),
                           15, unseal_secret.data(), unseal_secret.size());
        return out;
    }
    if (record.salt.size() != crypto_pwhash_SALTBYTES) {
        return make_error(Errc::integrity, "keyring salt is damaged");
    }
    Secret out(k_key_size);
    if (crypto_pwhash(out.data(), out.size(), reinterpret_cast<const char*>(unseal_secret.data()),
                      unseal_secret.size(), record.salt.data(), record.argon_opslimit,
                      static_cast<std::size_t>(record.argon_memlimit), crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return make_error(Errc::unavailable, "not enough memory to derive the unseal key");
    }
    return out;
}

void put_u32(Bytes& out, std::uint32_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 24));
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

} // namespace

std::string KeyringRecord::serialize() const {
    std::ostringstream out;
    out << "kinvault-keyring 1\n";
    out << "method " << (method == UnsealMethod::passphrase ? "passphrase" : "key-file") << "\n";
    if (method == UnsealMethod::passphrase) {
        out << "argon2id " << argon_opslimit << " " << argon_memlimit << " " << to_base64(salt) << "\n";
    }
    out << "root " << to_base64(wrapped_root) << "\n";
    for (const auto& [version, wrapped] : wrapped_keks) {
        out << "kek " << version << " " << to_base64(wrapped) << "\n";
    }
    return out.str();
}

Result<KeyringRecord> KeyringRecord::parse(std::string_view text) {
    std::istringstream in{std::string(text)};
    std::string line;
    KeyringRecord record;
    if (!std::getline(in, line) || line != "kinvault-keyring 1") {
        return make_error(Errc::integrity, "not a Kinvault keyring file");
    }
    bool have_method = false;
    bool have_root = false;
    while (std::getline(in, line)) {
        if (line.empty()) {
            continue;
        }
        std::istringstream fields(line);
        std::string kind;
        fields >> kind;
        if (kind == "method") {
            std::string m;
            fields >> m;
            if (m == "passphrase") {
                record.method = UnsealMethod::passphrase;
            } else if (m == "key-file") {
                record.method = UnsealMethod::key_file;
            } else {
                return make_error(Errc::integrity, "keyring: unknown unseal method");
            }
            have_method = true;
        } else if (kind == "argon2id") {
            std::string salt;
            fields >> record.argon_opslimit >> record.argon_memlimit >> salt;
            auto decoded = from_base64(salt);
            if (!fields || !decoded) {
                return make_error(Errc::integrity, "keyring: bad argon2id line");
            }
            record.salt = std::move(*decoded);
        } else if (kind == "root") {
            std::string b64;
            fields >> b64;
            auto decoded = from_base64(b64);
            if (!decoded) {
                return make_error(Errc::integrity, "keyring: bad root line");
            }
            record.wrapped_root = std::move(*decoded);
            have_root = true;
        } else if (kind == "kek") {
            std::uint32_t version = 0;
            std::string b64;
            fields >> version >> b64;
            auto decoded = from_base64(b64);
            if (!fields || !decoded || version == 0) {
                return make_error(Errc::integrity, "keyring: bad kek line");
            }
            record.wrapped_keks[version] = std::move(*decoded);
        } else {
            return make_error(Errc::integrity, "keyring: unknown line '" + kind + "'");
        }
    }
    if (!have_method || !have_root || record.wrapped_keks.empty()) {
        return make_error(Errc::integrity, "keyring file is incomplete");
    }
    return record;
}

Result<Secret> read_key_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        return make_error(Errc::invalid_input, "cannot open key file " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return make_error(Errc::invalid_input, "key file " + path + " is not a regular file");
    }
    if ((st.st_mode & 077) != 0) {
        ::close(fd);
        return make_error(Errc::invalid_input,
                          "key file " + path + " is readable by others; run: chmod 600 " + path);
    }
    if (st.st_size > 1024) {
        ::close(fd);
        return make_error(Errc::invalid_input, "key file " + path + " is too large to be a key");
    }
    Secret raw(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < raw.size()) {
        const ssize_t n = ::read(fd, raw.data() + got, raw.size() - got);
        if (n <= 0) {
            ::close(fd);
            return make_error(Errc::invalid_input, "cannot read key file " + path);
        }
        got += static_cast<std::size_t>(n);
    }
    ::close(fd);
    if (raw.size() == k_key_size) {
        return raw;
    }
    // Base64 text form (with optional trailing newline).
    std::size_t len = raw.size();
    while (len > 0 && (raw.data()[len - 1] == '\n' || raw.data()[len - 1] == '\r')) {
        --len;
    }
    Secret decoded(k_key_size);
    std::size_t decoded_len = 0;
    if (sodium_base642bin(decoded.data(), decoded.size(), reinterpret_cast<const char*>(raw.data()), len,
                          nullptr, &decoded_len, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        decoded_len != k_key_size) {
        return make_error(Errc::invalid_input, "key file " + path + " must hold 32 bytes (raw or base64)");
    }
    return decoded;
}

Status create_key_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return make_error(Errc::conflict, "cannot create key file " + path + ": " + std::strerror(errno));
    }
    const Secret key = Secret::random(k_key_size);
    Secret text(sodium_base64_encoded_len(k_key_size, sodium_base64_VARIANT_ORIGINAL));
    sodium_bin2base64(reinterpret_cast<char*>(text.data()), text.size(), key.data(), key.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    const std::size_t len = text.size() - 1;
    text.data()[len] = '\n';
    const bool ok =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
        return make_error(Errc::unavailable, "cannot write key file " + path);
    }
    return {};
}

Result<std::pair<Keyring, KeyringRecord>> Keyring::create(UnsealMethod method, const Secret& unseal_secret) {
    ensure_sodium();
    KeyringRecord record;
    record.method = method;
    if (method == UnsealMethod::passphrase) {
        if (unseal_secret.size() < 12) {
            return make_error(Errc::invalid_input, "the vault passphrase must be at least 12 characters");
        }
        // Unsealing happens once per start, so it can afford far more than a login: 256 MiB, 3 passes.
        record.argon_opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
        record.argon_memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
        record.salt = Bytes(crypto_pwhash_SALTBYTES);
        randombytes_buf(record.salt.data(), record.salt.size());
    }
    auto unseal_key = KV_TRY_VALUE(derive_unseal_key(record, unseal_secret));
    Keyring ring;
    ring.m_root = Secret::random(k_key_size);
    record.wrapped_root = aead_seal(unseal_key, ring.m_root.data(), ring.m_root.size(), k_root_ad);
    Secret kek = Secret::random(k_key_size);
    record.wrapped_keks[1] = aead_seal(ring.m_root, kek.data(), kek.size(), kek_ad(1));
    ring.m_keks.emplace(1, std::move(kek));
    ring.m_current = 1;
    ring.m_index_key = Secret(k_key_size);
    crypto_kdf_derive_from_key(ring.m_index_key.data(), k_key_size, 1, "kvindex_", ring.m_root.data());
    return std::make_pair(std::move(ring), std::move(record));
}

Result<Keyring> Keyring::unseal(const KeyringRecord& record, const Secret& unseal_secret) {
    ensure_sodium();
    auto unseal_key = KV_TRY_VALUE(derive_unseal_key(record, unseal_secret));
    auto root = aead_open(unseal_key, record.wrapped_root, k_root_ad);
    if (!root) {
        return make_error(Errc::unauthenticated, "the passphrase or key file does not open this vault");
    }
    Keyring ring;
    ring.m_root = std::move(root).value();
    for (const auto& [version, wrapped] : record.wrapped_keks) {
        auto kek = aead_open(ring.m_root, wrapped, kek_ad(version));
        if (!kek) {
            return make_error(Errc::integrity,
                              "key-encryption key v" + std::to_string(version) + " is damaged");
        }
        ring.m_keks.emplace(version, std::move(kek).value());
        ring.m_current = std::max(ring.m_current, version);
    }
    ring.m_index_key = Secret(k_key_size);
    crypto_kdf_derive_from_key(ring.m_index_key.data(), k_key_size, 1, "kvindex_", ring.m_root.data());
    return ring;
}

WrappedKey Keyring::wrap_key(const Secret& key, std::string_view context) const {
    const Secret& kek = m_keks.at(m_current);
    return WrappedKey{m_current, aead_seal(kek, key.data(), key.size(), data_key_ad(context, m_current))};
}

Result<Secret> Keyring::unwrap_key(const WrappedKey& wrapped, std::string_view context) const {
    const auto it = m_keks.find(wrapped.kek_version);
    if (it == m_keks.end()) {
        return make_error(Errc::integrity, "data key refers to an unknown key version");
    }
    auto key = aead_open(it->second, wrapped.sealed, data_key_ad(context, wrapped.kek_version));
    if (!key) {
        return make_error(Errc::integrity, "data key failed authentication for " + std::string(context));
    }
    return key;
}

Bytes Keyring::seal_secret(const Secret& secret, std::string_view context) const {
    const WrappedKey w = wrap_key(secret, std::string("secret:") + std::string(context));
    Bytes out;
    put_u32(out, w.kek_version);
    out.insert(out.end(), w.sealed.begin(), w.sealed.end());
    return out;
}

Result<Secret> Keyring::open_secret(const Bytes& sealed, std::string_view context) const {
    if (sealed.size() < 4) {
        return make_error(Errc::integrity, "sealed secret is too short");
    }
    WrappedKey w;
    w.kek_version = (std::uint32_t{sealed[0]} << 24) | (std::uint32_t{sealed[1]} << 16) |
                    (std::uint32_t{sealed[2]} << 8) | sealed[3];
    w.sealed.assign(sealed.begin() + 4, sealed.end());
    return unwrap_key(w, std::string("secret:") + std::string(context));
}

Bytes Keyring::seal_field(std::string_view plaintext, std::string_view context) const {
    Bytes out;
    put_u32(out, m_current);
    const Bytes sealed =
        aead_seal(m_keks.at(m_current), reinterpret_cast<const std::uint8_t*>(plaintext.data()),
                  plaintext.size(), field_ad(context, m_current));
    out.insert(out.end(), sealed.begin(), sealed.end());
    return out;
}

Result<std::string> Keyring::open_field(const Bytes& sealed, std::string_view context) const {
    if (sealed.size() < 4) {
        return make_error(Errc::integrity, "sealed field is too short");
    }
    const std::uint32_t version = (std::uint32_t{sealed[0]} << 24) | (std::uint32_t{sealed[1]} << 16) |
                                  (std::uint32_t{sealed[2]} << 8) | sealed[3];
    const auto it = m_keks.find(version);
    if (it == m_keks.end()) {
        return make_error(Errc::integrity, "sealed field refers to an unknown key version");
    }
    auto plain = aead_open_text(it->second, sealed.data() + 4, sealed.size() - 4, field_ad(context, version));
    if (!plain) {
        return make_error(Errc::integrity, "sealed field failed authentication for " + std::string(context));
    }
    return plain;
}

std::string Keyring::blind_index(std::string_view purpose, std::string_view value) const {
    std::uint8_t out[32];
    crypto_generichash_state st;
    crypto_generichash_init(&st, m_index_key.data(), m_index_key.size(), sizeof out);
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(purpose.data()), purpose.size());
    const unsigned char sep = 0;
    crypto_generichash_update(&st, &sep, 1);
    crypto_generichash_update(&st, reinterpret_cast<const unsigned char*>(value.data()), value.size());
    crypto_generichash_final(&st, out, sizeof out);
    return to_hex(out, sizeof out);
}

KeyringRecord Keyring::rotate(const KeyringRecord& record) {
    KeyringRecord next = record;
    const std::uint32_t version = m_current + 1;
    Secret kek = Secret::random(k_key_size);
    next.wrapped_keks[version] = aead_seal(m_root, kek.data(), kek.size(), kek_ad(version));
    m_keks.emplace(version, std::move(kek));
    m_current = version;
    return next;
}

} // namespace kinvault::crypto
