// The daemon's typed PDF operations: each one runs a job in the sandboxed kinvault-pdf-worker through
// PdfGateway::run, then checks the reply before anything else sees it (a worker that parsed a hostile PDF
// is not trusted to answer honestly). No PoDoFo here.
//
// Errors
//   the request is wrong (missing template values, a field off its page, a field name already taken, a
//     template that does not parse) -> the worker's Errc (invalid_input, conflict, ...) and its message
//   the PDF is refused (not a PDF, malformed, too deep, too slow, too big) -> refusal_error(...) values
//   the request does not fit the worker's header limit -> Errc::invalid_input
//   no worker, no free slot -> Errc::unavailable
//   the worker crashed into its sandbox or answered something we cannot read or that fails our checks ->
//     Errc::internal
#pragma once

#include "common/clock.h"
#include "common/hex.h"
#include "common/result.h"
#include "pdf/gateway.h"
#include "pdf/inject.h"
#include "pdf/render.h"
#include "pdf/sign.h"
#include "pdf/stamp.h"
#include "pdf/template.h"

#include <string>
#include <vector>

namespace kinvault::pdf {

struct RemoteRenderOptions {
    PageSize page_size{PageSize::a4};
    std::string document_id; // required: printed in every footer
    UnixTime created_at{0};
    FontFiles font_files;        // opened by the worker before its sandbox closes file access
    std::string template_source; // names the template in error messages ("roi.kvt"); empty: "template"
};

// Renders template text (the daemon reads template files itself; the worker opens none) with `values`.
// The reply is checked: a PDF, at least one page, every placement on an existing page.
[[nodiscard]] Result<RenderedDocument> remote_render(PdfGateway& gateway, const std::string& template_text,
                                                     const TemplateValues& values,
                                                     const RemoteRenderOptions& options);

// Stamps `items` into page content (pdf/stamp.h). The reply is checked to keep `pdf` as its prefix, as an
// incremental update must.
[[nodiscard]] Result<Bytes> remote_stamp(PdfGateway& gateway, const Bytes& pdf,
                                         const std::vector<StampItem>& items, const FontFiles& fonts = {});

// Prepares the next signature (pdf/sign.h); request.font_path names the appearance font the worker loads.
// The reply is checked with check_prepared(), must keep `pdf` as its prefix and must name the requested
// field, so byte_range_digest() and inject_signature() can follow directly.
[[nodiscard]] Result<PreparedPdf> remote_prepare(PdfGateway& gateway, const Bytes& pdf,
                                                 const SignatureRequest& request);

} // namespace kinvault::pdf
