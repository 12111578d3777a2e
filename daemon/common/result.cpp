#include "common/result.h"

namespace kinvault {

const char* errc_name(Errc code) noexcept {
    switch (code) {
    case Errc::invalid_input:
        return "invalid_input";
    case Errc::not_found:
        return "not_found";
    case Errc::unauthenticated:
        return "unauthenticated";
    case Errc::second_factor:
        return "totp_required";
    case Errc::forbidden:
        return "forbidden";
    case Errc::conflict:
        return "conflict";
    case Errc::payload_too_large:
        return "payload_too_large";
    case Errc::unsupported_media:
        return "unsupported_media_type";
    case Errc::unprocessable:
        return "unprocessable";
    case Errc::integrity:
        return "integrity_error";
    case Errc::rate_limited:
        return "rate_limited";
    case Errc::gone:
        return "gone";
    case Errc::unavailable:
        return "unavailable";
    case Errc::internal:
        return "internal";
    }
    return "internal";
}

} // namespace kinvault
