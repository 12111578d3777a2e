// Account passwords: Argon2id through libsodium's crypto_pwhash_str (PHC string format), with the
// INTERACTIVE limits measured in security.md (~58 ms, 64 MiB). Callers bound how many run at once.
#pragma once

#include "common/result.h"
#include "crypto/secret.h"

#include <string>

namespace kinvault::crypto {

struct PasswordPolicy {
    std::size_t min_length{10};
    std::size_t max_length{1024};
};

[[nodiscard]] Status check_password_policy(const Secret& password, const PasswordPolicy& policy = {});
[[nodiscard]] Result<std::string> hash_password(const Secret& password);

enum class PasswordCheck { match, match_needs_rehash, mismatch };
[[nodiscard]] PasswordCheck verify_password(const std::string& stored_hash, const Secret& password);

// Spends the same work as a real verification, for unknown accounts (ASVS 2.2: no account enumeration
// through timing).
void burn_password_verification(const Secret& password);

} // namespace kinvault::crypto
