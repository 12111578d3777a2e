// The key hierarchy (security.md "Key hierarchy"):
//   unseal secret (passphrase via Argon2id, or a 0600 key file)
//     -> root key (random, stored only wrapped by the unseal key)
//       -> versioned key-encryption keys (KEKs, wrapped by the root key)
//         -> a random data key per document version (wrapped by a KEK; associated data binds the document
//            id, version and KEK version) -> crypto_secretstream chunks (blob_cipher.h)
// Rotation adds a KEK version and re-wraps data keys only; deleting a wrapped data key shreds its document.
#pragma once

#include "common/hex.h"
#include "common/result.h"
#include "crypto/secret.h"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace kinvault::crypto {

enum class UnsealMethod { passphrase, key_file };

// Everything needed to unseal, none of it secret by itself. Persisted as text (see serialize()).
struct KeyringRecord {
    UnsealMethod method{UnsealMethod::passphrase};
    std::uint64_t argon_opslimit{0};
    std::uint64_t argon_memlimit{0};
    Bytes salt;
    Bytes wrapped_root;
    std::map<std::uint32_t, Bytes> wrapped_keks; // version -> wrapped by root

    [[nodiscard]] std::string serialize() const;
    [[nodiscard]] static Result<KeyringRecord> parse(std::string_view text);
};

struct WrappedKey {
    std::uint32_t kek_version{0};
    Bytes sealed;
};

// Reads a key file for unsealing: must be a regular file with mode 0600 or 0400 (no group/other access) and
// hold 32 random bytes, raw or base64. Anything else is refused with a message saying how to fix it.
[[nodiscard]] Result<Secret> read_key_file(const std::string& path);
// Creates a new key file (0600) with 32 random bytes; refuses to overwrite.
[[nodiscard]] Status create_key_file(const std::string& path);

class Keyring {
public:
    // Creates a new hierarchy: fresh root key and KEK version 1.
    [[nodiscard]] static Result<std::pair<Keyring, KeyringRecord>> create(UnsealMethod method,
                                                                          const Secret& unseal_secret);
    // Opens an existing hierarchy; a wrong passphrase or key file gives Errc::unauthenticated.
    [[nodiscard]] static Result<Keyring> unseal(const KeyringRecord& record, const Secret& unseal_secret);

    Keyring(Keyring&&) noexcept = default;
    Keyring& operator=(Keyring&&) noexcept = default;

    [[nodiscard]] std::uint32_t current_kek_version() const noexcept { return m_current; }

    // Data keys. `context` names the owner, a document version (barrier/place.h builds every context); the
    // KEK version is appended by the keyring.
    [[nodiscard]] WrappedKey wrap_key(const Secret& key, std::string_view context) const;
    [[nodiscard]] Result<Secret> unwrap_key(const WrappedKey& wrapped, std::string_view context) const;

    // Secrets kept at rest (keys in PEM): wrapped like data keys, returned into secure memory.
    [[nodiscard]] Bytes seal_secret(const Secret& secret, std::string_view context) const;
    [[nodiscard]] Result<Secret> open_secret(const Bytes& sealed, std::string_view context) const;

    // Small metadata values (titles, file names, names of people). Output carries the KEK version.
    [[nodiscard]] Bytes seal_field(std::string_view plaintext, std::string_view context) const;
    [[nodiscard]] Result<std::string> open_field(const Bytes& sealed, std::string_view context) const;

    // A keyed, deterministic index of a value (e.g. an e-mail address) so rows can be found without
    // storing the value in clear: BLAKE2b keyed by a subkey of the root key.
    [[nodiscard]] std::string blind_index(std::string_view purpose, std::string_view value) const;

    // Adds a new KEK version, which becomes current; returns the updated record to persist.
    [[nodiscard]] KeyringRecord rotate(const KeyringRecord& record);

private:
    Keyring() = default;
    Secret m_root;
    std::map<std::uint32_t, Secret> m_keks;
    std::uint32_t m_current{0};
    Secret m_index_key;
};

} // namespace kinvault::crypto
