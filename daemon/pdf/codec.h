// JSON forms of the values that cross the boundary between kinvaultd and kinvault-pdf-worker as header
// values (pdf/worker_protocol.h): template values, field placements, stamp items, signature requests and the
// metadata of a prepared signature. No PoDoFo here: both sides link this (kv_pdf_gateway).
//
// Encoding is deterministic and exact (doubles in their shortest round-trip form). Decoding is strict,
// because the daemon decodes what a worker that may have parsed a hostile PDF wrote: the text must be one
// JSON value no deeper than needed, every key present and known, no key twice, every string valid UTF-8
// without NUL, every number finite and of the right kind and range. Errors are Errc::invalid_input with the
// path of the offending value ("signature request: fields[1].placement.rect.width: expected a number").
//
// A worker operation that ran but did not succeed for a reason the caller can act on (missing template
// values, a field name already taken) answers with status "ok" plus `rejected` = the Errc name and
// `message`. The gateway turns every status "error" into Errc::internal, which would lose that distinction.
#pragma once

#include "common/result.h"
#include "pdf/geometry.h"
#include "pdf/inject.h"
#include "pdf/render.h"
#include "pdf/sign.h"
#include "pdf/stamp.h"
#include "pdf/template.h"
#include "pdf/worker_protocol.h"
#include "json/reader.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::pdf::codec {

[[nodiscard]] std::string encode_values(const TemplateValues& values);
[[nodiscard]] Result<TemplateValues> decode_values(std::string_view json);
// The same reading over an object inside a larger document (an HTTP body's "values"): "fields" (text by
// name) and "lists" (lists of text-by-name rows), both required; problems go to the object's Problems.
[[nodiscard]] TemplateValues read_values(json::Object values);

[[nodiscard]] std::string encode_placements(const std::vector<FieldPlacement>& placements);
[[nodiscard]] Result<std::vector<FieldPlacement>> decode_placements(std::string_view json);

[[nodiscard]] std::string encode_stamp_items(const std::vector<StampItem>& items);
[[nodiscard]] Result<std::vector<StampItem>> decode_stamp_items(std::string_view json);

// Everything but font_path: which font file the worker opens is a parameter of its own ("font"), so a
// request can never name a file.
[[nodiscard]] std::string encode_signature_request(const SignatureRequest& request);
[[nodiscard]] Result<SignatureRequest> decode_signature_request(std::string_view json);

// byte_range, contents_offset, contents_length and field_name; the PDF itself travels as the payload.
[[nodiscard]] std::string encode_prepared(const PreparedPdf& prepared);
// The returned PreparedPdf has an empty pdf.
[[nodiscard]] Result<PreparedPdf> decode_prepared(std::string_view json);

// "a4" / "letter".
[[nodiscard]] std::string_view page_size_name(PageSize size);
[[nodiscard]] std::optional<PageSize> parse_page_size(std::string_view name);

// The Errc codes an operation may reject with; anything else a worker claims is not believed.
[[nodiscard]] std::optional<Errc> parse_rejection_code(std::string_view name);
// status "ok", rejected = errc_name(error.code), message = error.message.
[[nodiscard]] wire::Header rejection_header(const Error& error);
// The rejection an "ok" reply carries, if any. A `rejected` value outside parse_rejection_code() becomes
// Errc::internal.
[[nodiscard]] std::optional<Error> rejection_of(const wire::Header& reply);

} // namespace kinvault::pdf::codec
