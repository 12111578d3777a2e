#include "pdf/worker_protocol.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>

namespace kinvault::pdf::wire {
namespace {

bool valid_key(std::string_view key) {
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
    });
}

Error bad_header(std::string message) {
    return make_error(Errc::internal, "worker header: " + std::move(message));
}

template <typename Int>
std::optional<Int> parse_int(std::string_view text) {
    Int value{};
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

template <typename Int>
Result<Int> required_int(const Header& header, std::string_view key, Int minimum) {
    const auto text = find(header, key);
    if (!text) {
        return bad_header("missing " + std::string(key));
    }
    const auto value = parse_int<Int>(*text);
    if (!value || *value < minimum) {
        return bad_header("bad " + std::string(key));
    }
    return *value;
}

} // namespace

std::string encode_header(const Header& header) {
    std::string out;
    for (const auto& [key, value] : header) {
        if (!valid_key(key)) {
            throw std::invalid_argument("worker header key must match [a-z0-9_.-]+");
        }
        out += key;
        out += '=';
        for (const char c : value) {
            if (c == '\\') {
                out += "\\\\";
            } else if (c == '\n') {
                out += "\\n";
            } else if (c == '\r') {
                out += "\\r";
            } else {
                out += c;
            }
        }
        out += '\n';
    }
    return out;
}

Result<Header> decode_header(std::string_view text) {
    if (text.size() > max_header_bytes) {
        return bad_header("too large");
    }
    Header header;
    while (!text.empty()) {
        const std::size_t eol = text.find('\n');
        if (eol == std::string_view::npos) {
            return bad_header("unterminated line");
        }
        const std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol + 1);
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos || !valid_key(line.substr(0, eq))) {
            return bad_header("bad key");
        }
        std::string value;
        const std::string_view raw = line.substr(eq + 1);
        for (std::size_t i = 0; i < raw.size(); ++i) {
            if (raw[i] != '\\') {
                value += raw[i];
                continue;
            }
            if (++i == raw.size()) {
                return bad_header("dangling escape");
            }
            switch (raw[i]) {
            case '\\':
                value += '\\';
                break;
            case 'n':
                value += '\n';
                break;
            case 'r':
                value += '\r';
                break;
            default:
                return bad_header("unknown escape");
            }
        }
        if (!header.emplace(std::string(line.substr(0, eq)), std::move(value)).second) {
            return bad_header("duplicate key");
        }
    }
    return header;
}

Bytes frame_header(const Header& header) {
    const std::string text = encode_header(header);
    if (text.size() > max_header_bytes) {
        throw std::invalid_argument("worker header exceeds max_header_bytes");
    }
    const auto size = static_cast<std::uint32_t>(text.size());
    Bytes out(length_prefix_bytes + text.size());
    out[0] = static_cast<std::uint8_t>(size >> 24);
    out[1] = static_cast<std::uint8_t>(size >> 16);
    out[2] = static_cast<std::uint8_t>(size >> 8);
    out[3] = static_cast<std::uint8_t>(size);
    std::copy(text.begin(), text.end(), out.begin() + length_prefix_bytes);
    return out;
}

std::optional<std::uint32_t> read_length_prefix(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < length_prefix_bytes) {
        return std::nullopt;
    }
    return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) |
           (std::uint32_t{bytes[2]} << 8) | std::uint32_t{bytes[3]};
}

Result<Message> parse_message(std::span<const std::uint8_t> bytes) {
    const auto length = read_length_prefix(bytes);
    if (!length) {
        return bad_header("reply shorter than its length prefix");
    }
    if (*length > max_header_bytes || *length > bytes.size() - length_prefix_bytes) {
        return bad_header("reply header length out of range");
    }
    const auto text = bytes.subspan(length_prefix_bytes, *length);
    auto header = KV_TRY_VALUE(
        decode_header(std::string_view(reinterpret_cast<const char*>(text.data()), text.size())));
    const auto payload = bytes.subspan(length_prefix_bytes + *length);
    return Message{std::move(header), Bytes(payload.begin(), payload.end())};
}

std::optional<std::string_view> find(const Header& header, std::string_view key) {
    const auto it = header.find(key);
    if (it == header.end()) {
        return std::nullopt;
    }
    return std::string_view(it->second);
}

Header limits_to_params(const IntakeLimits& limits) {
    return Header{{"max_depth", std::to_string(limits.max_depth)},
                  {"max_objects", std::to_string(limits.max_objects)}};
}

Result<IntakeLimits> limits_from_params(const Header& params) {
    IntakeLimits limits;
    if (find(params, "max_depth")) {
        auto depth = KV_TRY_VALUE(required_int<int>(params, "max_depth", 1));
        limits.max_depth = depth;
    }
    if (find(params, "max_objects")) {
        auto objects = KV_TRY_VALUE(required_int<std::int64_t>(params, "max_objects", 1));
        limits.max_objects = objects;
    }
    return limits;
}

Header report_to_header(const InspectReport& report) {
    return Header{{"status", std::string(status_ok)},
                  {"pages", std::to_string(report.page_count)},
                  {"version", report.pdf_version},
                  {"encrypted", report.encrypted ? "1" : "0"},
                  {"signature_fields", std::to_string(report.signature_fields)},
                  {"signatures", std::to_string(report.signatures)}};
}

Result<InspectReport> report_from_header(const Header& header) {
    InspectReport report;
    const int pages = KV_TRY_VALUE(required_int<int>(header, "pages", 1));
    const int fields = KV_TRY_VALUE(required_int<int>(header, "signature_fields", 0));
    const int signatures = KV_TRY_VALUE(required_int<int>(header, "signatures", 0));
    auto encrypted = required_int<int>(header, "encrypted", 0);
    const auto version = find(header, "version");
    if (!encrypted || *encrypted > 1) {
        return bad_header("bad encrypted");
    }
    if (!version) {
        return bad_header("missing version");
    }
    report.page_count = pages;
    report.signature_fields = fields;
    report.signatures = signatures;
    report.encrypted = *encrypted == 1;
    report.pdf_version = std::string(*version);
    return report;
}

Header refusal_header(IntakeRefusal refusal, std::string_view detail) {
    return Header{{"status", std::string(status_refused)},
                  {"code", std::string(refusal_name(refusal))},
                  {"detail", std::string(detail)}};
}

Header error_header(std::string_view message) {
    return Header{{"status", std::string(status_error)}, {"message", std::string(message)}};
}

} // namespace kinvault::pdf::wire
