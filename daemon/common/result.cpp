#include "common/result.h"

#include "common/enum_names.h"

namespace kinvault {

namespace {

// The codes' wire names: sent in every error body and between the daemon and the PDF worker.
constexpr EnumNames<Errc, 14> k_errc_names{{
    {Errc::invalid_input, "invalid_input"},
    {Errc::not_found, "not_found"},
    {Errc::unauthenticated, "unauthenticated"},
    {Errc::second_factor, "totp_required"},
    {Errc::forbidden, "forbidden"},
    {Errc::conflict, "conflict"},
    {Errc::payload_too_large, "payload_too_large"},
    {Errc::unsupported_media, "unsupported_media_type"},
    {Errc::unprocessable, "unprocessable"},
    {Errc::integrity, "integrity_error"},
    {Errc::rate_limited, "rate_limited"},
    {Errc::gone, "gone"},
    {Errc::unavailable, "unavailable"},
    {Errc::internal, "internal"},
}};

} // namespace

const char* errc_name(Errc code) noexcept {
    // Every name in the table is a string literal, so data() ends in a NUL.
    return enum_name(k_errc_names, code).data();
}

std::optional<Errc> parse_errc(std::string_view name) noexcept {
    return enum_value(k_errc_names, name);
}

} // namespace kinvault
