// Stamping: draws values that are known before anyone signs (a sender's text values on an uploaded PDF,
// ticked boxes) into page content. It runs only before the first signature; after that every signer's
// visible mark lives in that signer's own widget (pdf-signing.md, "Pitfalls").
#pragma once

#include "common/hex.h"
#include "common/result.h"
#include "pdf/geometry.h"
#include "pdf/render.h"

#include <memory>
#include <string>
#include <vector>

namespace kinvault::pdf {

struct StampItem {
    std::string text;    // UTF-8; for a ticked checkbox stamp "\u2713" (or "X")
    int page{0};         // 0-based
    Rect rect;           // default user space of that page, points, origin bottom-left
    double font_size{0}; // 0: the largest size up to 12 pt at which the text fits the rect
};

struct StampOptions {
    std::shared_ptr<const FontSet> fonts; // null: read font_files
    FontFiles font_files;
    double min_font_size{6}; // text that only fits smaller than this is refused, not shrunk
};

// Appends an incremental update (the original bytes stay a prefix of the result) in which each page with
// items gets its original content wrapped in q/Q, so a page that leaves the graphics state changed cannot
// move the stamp, followed by the stamp drawn upright for the page's /Rotate.
// Errors: Errc::conflict when the PDF already carries a signature (stamping then would change what an
// earlier signer signed); Errc::unprocessable when PoDoFo cannot load it; Errc::invalid_input for an item
// off its page, on a page that does not exist, or whose text cannot be drawn or does not fit.
[[nodiscard]] Result<Bytes> stamp_fields(const Bytes& pdf, const std::vector<StampItem>& items,
                                         const StampOptions& options = {});

} // namespace kinvault::pdf
