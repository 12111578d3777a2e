// Wire format between kinvaultd (pdf/gateway.h) and kinvault-pdf-worker (pdf/worker_main.cpp).
//
//   request : argv[1] = operation name
//             stdin   = u32 big-endian header length | header | payload bytes until EOF
//   reply   : stdout  = u32 big-endian header length | header | payload bytes until EOF
//             exit status 0 when a reply with status "ok" or "refused" was written, 2 for "error"
//
// A header is UTF-8 text, one "key=value\n" per line. Keys are [a-z0-9_.-]+; in values a backslash escapes
// itself, "\n" and "\r", so any value round-trips. The frame itself is key/value text, but structured values
// (template values, field placements, stamp items, signature requests, prepared-signature metadata) travel
// inside it as JSON (pdf/codec.h), so both the daemon and the sandboxed worker do parse JSON: with the one
// strict reader (json/value.h, json/reader.h: duplicate keys, deep nesting, bad UTF-8 and unknown keys
// refused), written by the one canonical writer (json/writer.h).
//
// Every reply header has "status": "ok" (operation-specific keys follow), "refused" ("code" is an
// IntakeRefusal name, "detail" a technical reason for logs) or "error" ("message", a bug or a bad request).
#pragma once

#include "common/hex.h"
#include "common/result.h"
#include "pdf/inspect.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kinvault::pdf::wire {

using Header = std::map<std::string, std::string, std::less<>>;

inline constexpr std::size_t length_prefix_bytes = 4;
inline constexpr std::size_t max_header_bytes = std::size_t{64} * 1024;

inline constexpr std::string_view status_ok = "ok";
inline constexpr std::string_view status_refused = "refused";
inline constexpr std::string_view status_error = "error";

inline constexpr int exit_reply = 0; // a reply with status ok or refused was written
inline constexpr int exit_error = 2; // a reply with status error was written (or could not be)

// Throws std::invalid_argument for a key outside [a-z0-9_.-]+: keys are fixed strings in our code, so a bad
// one is a programming error.
[[nodiscard]] std::string encode_header(const Header& header);
[[nodiscard]] Result<Header> decode_header(std::string_view text);

// The 4-byte length prefix followed by the encoded header.
[[nodiscard]] Bytes frame_header(const Header& header);

// Reads the length prefix; nullopt when fewer than 4 bytes are given. The caller checks max_header_bytes.
[[nodiscard]] std::optional<std::uint32_t> read_length_prefix(std::span<const std::uint8_t> bytes);

struct Message {
    Header header;
    Bytes payload;
};

// Splits a complete reply (everything the worker wrote) into header and payload.
[[nodiscard]] Result<Message> parse_message(std::span<const std::uint8_t> bytes);

[[nodiscard]] std::optional<std::string_view> find(const Header& header, std::string_view key);

// Operation "inspect": request parameters and reply fields.
[[nodiscard]] Header limits_to_params(const IntakeLimits& limits);
[[nodiscard]] Result<IntakeLimits> limits_from_params(const Header& params);
[[nodiscard]] Header report_to_header(const InspectReport& report);
[[nodiscard]] Result<InspectReport> report_from_header(const Header& header);

[[nodiscard]] Header refusal_header(IntakeRefusal refusal, std::string_view detail);
[[nodiscard]] Header error_header(std::string_view message);

} // namespace kinvault::pdf::wire
