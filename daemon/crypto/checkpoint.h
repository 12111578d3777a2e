// Signed checkpoints of the audit log: a C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint) inside a C2SP
// signed note (c2sp.org/signed-note) with an Ed25519 signature, the format Go's checksum database and the
// transparency-dev witnesses use, so a client holding an old checkpoint can demand a consistency proof and
// third-party tools can check our checkpoints.
#pragma once

#include "common/result.h"
#include "crypto/merkle.h"
#include "crypto/secret.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::crypto {

struct Checkpoint {
    std::string origin;
    std::uint64_t size{0};
    Hash root{};
    std::vector<std::string> extensions;

    bool operator==(const Checkpoint&) const = default;
};

// The note text: "origin\nsize\nbase64(root)\n" then one line per extension. No validation.
[[nodiscard]] std::string checkpoint_body(const Checkpoint& checkpoint);

// An Ed25519 note signer. Move-only, the private key stays in sodium memory.
class CheckpointSigner {
public:
    // Deterministic: the same 32-byte seed and name give the same key. Throws std::invalid_argument for a
    // seed that is not 32 bytes or a key name the note format forbids (empty, spaces, '+', not UTF-8),
    // both programming or configuration errors.
    static CheckpointSigner from_seed(const Secret& seed32, std::string key_name);
    static CheckpointSigner generate(std::string key_name);

    [[nodiscard]] const std::string& key_name() const noexcept { return m_key_name; }
    // "<name>+<8 hex key ID>+<base64(0x01 || public key)>", the vkey format of golang.org/x/mod/sumdb/note.
    [[nodiscard]] std::string verifier_key() const;
    // The full signed note. Throws std::invalid_argument if the checkpoint cannot be expressed as one (empty
    // origin or extension line, control characters, invalid UTF-8).
    [[nodiscard]] std::string sign(const Checkpoint& checkpoint) const;
    // Signs any note text: non-empty, ending in a newline, UTF-8 without other control characters; same
    // exceptions. sign() is this over checkpoint_body().
    [[nodiscard]] std::string sign_note(std::string_view text) const;
    // The 32-byte seed, to persist it wrapped by the key hierarchy.
    [[nodiscard]] Secret seed() const;

private:
    CheckpointSigner(Secret secret_key, std::string key_name);

    Secret m_secret_key; // libsodium's 64-byte form: seed || public key
    std::string m_key_name;
    std::uint32_t m_key_id{0};
};

// Verifies a signed note against one verifier key and returns its text. Signatures by other keys are
// ignored (c2sp.org/signed-note), a failing signature by this key rejects the note, and so does a note with
// no signature by it. Errc::invalid_input for a malformed verifier key, Errc::integrity for everything
// wrong with the note.
[[nodiscard]] Result<std::string> open_note(std::string_view note_text, std::string_view verifier_key);

// open_note, then parses the text as a checkpoint: at least three non-empty lines, a canonical decimal
// size, a canonical base64 32-byte root. The caller must still check origin against the log it expects:
// the key name need not equal the origin (sum.golang.org signs "go.sum database tree").
[[nodiscard]] Result<Checkpoint> open_checkpoint(const std::string& note_text,
                                                 const std::string& verifier_key);

} // namespace kinvault::crypto
