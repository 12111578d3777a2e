// Field geometry shared by render (which places fields from templates), stamp and sign.
#pragma once

#include <string>

namespace kinvault::pdf {

// PDF user space: points, origin at the bottom-left of the page (ISO 32000-1 §8.3.2.3).
struct Rect {
    double x;
    double y;
    double width;
    double height;
};

enum class FieldKind { signature, initials, date, text, checkbox };

struct FieldPlacement {
    std::string name;
    FieldKind kind;
    std::string signer; // the signer slot the field belongs to
    int page;           // 0-based
    Rect rect;
};

} // namespace kinvault::pdf
