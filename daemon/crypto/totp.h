// Time-based one-time passwords, RFC 6238 (on HOTP, RFC 4226 section 5.3 dynamic truncation).
#pragma once

#include "common/clock.h"
#include "common/hex.h"

#include <optional>
#include <string>

namespace kinvault::crypto {

enum class TotpHash { sha1, sha256, sha512 };

struct TotpParams {
    TotpHash hash{TotpHash::sha1};
    int digits{6};
    int step_seconds{30};
};

[[nodiscard]] std::string totp_code(const Bytes& secret, UnixTime time, const TotpParams& params = {});

// Accepts codes from one step before to one step after `now` (RFC 6238 section 5.2), but never a step at
// or before `last_used_step`, so each code works once. Returns the matched step.
[[nodiscard]] std::optional<std::int64_t> totp_verify(const Bytes& secret, const std::string& code,
                                                      UnixTime now, std::int64_t last_used_step,
                                                      const TotpParams& params = {});

// RFC 4648 base32 (as authenticator apps expect in otpauth:// URIs).
[[nodiscard]] std::string base32_encode(const Bytes& data);
[[nodiscard]] std::optional<Bytes> base32_decode(const std::string& text);

} // namespace kinvault::crypto
