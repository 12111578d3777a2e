#include "pdf/remote.h"

#include "pdf/codec.h"
#include "pdf/worker_protocol.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <utility>

namespace kinvault::pdf {
namespace {

// A PDF is at least its header; the rest is the checks below and what the callers do with it.
constexpr std::string_view pdf_magic = "%PDF-";
// More pages than any document we render; a reply beyond it is not believed.
constexpr int max_rendered_pages = 10'000;

Error unreadable(const std::string& operation, const std::string& detail) {
    return make_error(Errc::internal,
                      "The PDF worker's reply to " + operation + " could not be used: " + detail + ".");
}

bool starts_with(const Bytes& bytes, std::string_view prefix) {
    return bytes.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

bool keeps_prefix(const Bytes& result, const Bytes& original) {
    return result.size() > original.size() && std::equal(original.begin(), original.end(), result.begin());
}

// The request travels in the worker's header, which has a fixed ceiling (wire::max_header_bytes); saying so
// here beats the worker's "request header too large", which would surface as an internal error.
Status check_request_size(const wire::Header& params, const std::string& what) {
    const std::size_t size = wire::encode_header(params).size();
    if (size > wire::max_header_bytes) {
        return make_error(Errc::invalid_input, what + " is too large to process (" +
                                                   std::to_string(size / 1024) + " KiB; the limit is " +
                                                   std::to_string(wire::max_header_bytes / 1024) + " KiB).");
    }
    return {};
}

// Runs the job and separates a rejection ("ok" reply carrying `rejected`) from a result.
Result<wire::Message> run_job(PdfGateway& gateway, std::string_view operation, const wire::Header& params,
                              std::span<const std::uint8_t> input) {
    auto reply = KV_TRY_VALUE(gateway.run(operation, params, input_from(input)));
    if (auto rejection = codec::rejection_of(reply.header)) {
        return std::move(*rejection);
    }
    return reply;
}

std::optional<int> parse_count(std::string_view text) {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

} // namespace

Result<RenderedDocument> remote_render(PdfGateway& gateway, const std::string& template_text,
                                       const TemplateValues& values, const RemoteRenderOptions& options) {
    if (options.document_id.empty()) {
        return make_error(Errc::invalid_input, "a document id is required to render a template");
    }
    const wire::Header params{
        {"template", template_text},
        {"template_source", options.template_source.empty() ? "template" : options.template_source},
        {"values", codec::encode_values(values)},
        {"page_size", std::string(codec::page_size_name(options.page_size))},
        {"document_id", options.document_id},
        {"created_at", std::to_string(options.created_at)},
        {"font.regular", options.font_files.regular.string()},
        {"font.bold", options.font_files.bold.string()},
    };
    KV_TRY(check_request_size(params, "The template with its values"));
    auto reply = KV_TRY_VALUE(run_job(gateway, "render", params, {}));
    const std::string operation = "render";
    const auto pages = parse_count(wire::find(reply.header, "pages").value_or(""));
    if (!pages || *pages < 1 || *pages > max_rendered_pages) {
        return unreadable(operation, "no valid page count");
    }
    auto placements = codec::decode_placements(wire::find(reply.header, "placements").value_or(""));
    if (!placements) {
        return unreadable(operation, placements.error().message);
    }
    for (const auto& placement : *placements) {
        if (placement.page >= *pages) {
            return unreadable(operation,
                              "field " + placement.name + " is placed on a page the document lacks");
        }
    }
    if (!starts_with(reply.payload, pdf_magic)) {
        return unreadable(operation, "the payload is not a PDF");
    }
    RenderedDocument document;
    document.pdf = std::move(reply.payload);
    document.placements = std::move(placements).value();
    document.pages = *pages;
    return document;
}

Result<Bytes> remote_stamp(PdfGateway& gateway, const Bytes& pdf, const std::vector<StampItem>& items,
                           const FontFiles& fonts) {
    const wire::Header params{
        {"items", codec::encode_stamp_items(items)},
        {"font.regular", fonts.regular.string()},
        {"font.bold", fonts.bold.string()},
    };
    KV_TRY(check_request_size(params, "The list of values to stamp"));
    auto reply = KV_TRY_VALUE(run_job(gateway, "stamp", params, pdf));
    if (!keeps_prefix(reply.payload, pdf)) {
        return unreadable("stamp", "the stamped PDF does not begin with the original document");
    }
    return std::move(reply.payload);
}

Result<PreparedPdf> remote_prepare(PdfGateway& gateway, const Bytes& pdf, const SignatureRequest& request) {
    const wire::Header params{
        {"request", codec::encode_signature_request(request)},
        {"font", request.font_path},
    };
    KV_TRY(check_request_size(params, "The signature request"));
    auto reply = KV_TRY_VALUE(run_job(gateway, "prepare-signature", params, pdf));
    const std::string operation = "prepare-signature";
    auto prepared = codec::decode_prepared(wire::find(reply.header, "prepared").value_or(""));
    if (!prepared) {
        return unreadable(operation, prepared.error().message);
    }
    if (!request.field_name.empty() && prepared->field_name != request.field_name) {
        return unreadable(operation, "it names a different signature field");
    }
    if (!keeps_prefix(reply.payload, pdf)) {
        return unreadable(operation, "the prepared PDF does not begin with the original document");
    }
    prepared->pdf = std::move(reply.payload);
    if (const auto checked = check_prepared(*prepared); !checked) {
        return unreadable(operation, checked.error().message);
    }
    return std::move(prepared).value();
}

} // namespace kinvault::pdf
