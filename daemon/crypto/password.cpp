#include "crypto/password.h"

#include <mutex>
#include <sodium.h>

namespace kinvault::crypto {

namespace {

constexpr unsigned long long k_ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
constexpr std::size_t k_mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;

const std::string& dummy_hash() {
    static const std::string hash = [] {
        ensure_sodium();
        char out[crypto_pwhash_STRBYTES];
        const char pw[] = "kinvault-dummy-password";
        if (crypto_pwhash_str(out, pw, sizeof pw - 1, k_ops, k_mem) != 0) {
            return std::string();
        }
        return std::string(out);
    }();
    return hash;
}

} // namespace

Status check_password_policy(const Secret& password, const PasswordPolicy& policy) {
    // Length counts UTF-8 code points, so non-Latin passphrases are not penalised (ASVS 2.1.1).
    std::size_t code_points = 0;
    for (std::size_t i = 0; i < password.size(); ++i) {
        if ((password.data()[i] & 0xC0) != 0x80) {
            ++code_points;
        }
    }
    if (code_points < policy.min_length) {
        return make_error(Errc::invalid_input, "the password must be at least " +
                                                   std::to_string(policy.min_length) + " characters");
    }
    if (password.size() > policy.max_length) {
        return make_error(Errc::invalid_input, "the password is too long");
    }
    return {};
}

Result<std::string> hash_password(const Secret& password) {
    ensure_sodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, reinterpret_cast<const char*>(password.data()), password.size(), k_ops,
                          k_mem) != 0) {
        return make_error(Errc::unavailable, "not enough memory to hash the password");
    }
    return std::string(out);
}

PasswordCheck verify_password(const std::string& stored_hash, const Secret& password) {
    ensure_sodium();
    if (crypto_pwhash_str_verify(stored_hash.c_str(), reinterpret_cast<const char*>(password.data()),
                                 password.size()) != 0) {
        return PasswordCheck::mismatch;
    }
    if (crypto_pwhash_str_needs_rehash(stored_hash.c_str(), k_ops, k_mem) != 0) {
        return PasswordCheck::match_needs_rehash;
    }
    return PasswordCheck::match;
}

void burn_password_verification(const Secret& password) {
    const std::string& hash = dummy_hash();
    if (!hash.empty()) {
        const volatile int ignored = crypto_pwhash_str_verify(
            hash.c_str(), reinterpret_cast<const char*>(password.data()), password.size());
        (void)ignored;
    }
}

} // namespace kinvault::crypto
