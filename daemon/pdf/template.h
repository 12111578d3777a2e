// Document templates: a line-oriented, human-editable text format (templates/README.md describes every
// directive). Parsing has no PoDoFo in it, so the daemon, the CLI and the worker can all read templates;
// only render.cpp turns a parsed template into a PDF.
#pragma once

#include "common/enum_names.h"
#include "common/result.h"
#include "pdf/geometry.h"

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kinvault::pdf {

// One piece of inline text. Field references are resolved at render time; bold toggles come from `**`.
struct TextPart {
    enum class Kind { literal, field, bold_toggle };
    Kind kind{Kind::literal};
    std::string text; // literal text, or the field name ("case.name", "signers[].name", "signers[].#")
};
using InlineText = std::vector<TextPart>;

struct FieldDecl {
    std::string name;     // "case.name" or, for a list entry, "signers[].name"
    bool optional{false}; // may be absent; only useful in @if (a rendered reference is never blank)
    std::vector<std::string> one_of; // allowed values; empty = any text
    std::string description;
    int line{0};
};

struct ListDecl {
    std::string name; // "signers"
    bool optional{false};
    std::string description;
    int line{0};
};

struct SignerDecl {
    std::string slot; // "parent_a"
    std::string description;
    int line{0};
};

// An explicit field position from `at=PAGE,X,Y`: page is 0-based here (1-based in the file), x/y is the
// bottom-left corner of the field in PDF points.
struct FieldPosition {
    int page{0};
    double x{0};
    double y{0};
};

struct Condition {
    enum class Op { present, equals, not_equals };
    std::string field;
    Op op{Op::present};
    std::string value;
};

enum class BlockKind {
    title,
    heading,
    subheading,
    paragraph,
    bullet,
    numbered,
    space,
    page_break,
    rule,
    font_size,
    field,           // @signature @initials @date @text @checkbox
    signature_block, // @signature-block ... @end
    if_block,
    each_block,
};

struct Block {
    BlockKind kind{BlockKind::paragraph};
    int line{0};
    InlineText text;    // title, headings, paragraph and list item text; a field's label
    std::string marker; // numbered item marker as written ("3.")
    double amount{0};   // @space points, @font-size size

    // Fields and signature blocks.
    FieldKind field_kind{FieldKind::text};
    InlineText slot;       // a declared signer slot, or a reference such as {{signers[].slot}}
    InlineText field_name; // empty = "<slot>.<kind>"
    std::optional<FieldPosition> at;
    double width{0}; // 0 = the kind's default
    double height{0};
    bool with_date{true};             // signature block: a date field beside the signature
    std::vector<InlineText> captions; // signature block: lines printed under the signature line

    // Control flow.
    Condition condition; // @if
    std::string list;    // @each
    std::vector<Block> children;
    std::vector<Block> else_children;
};

struct Template {
    std::string name;
    std::string version;
    std::string description;
    std::string source;      // file name or caller-given label, for messages
    double min_font_size{0}; // 0 = no floor; otherwise every piece of text is at least this size
    std::vector<FieldDecl> fields;
    std::vector<ListDecl> lists;
    std::vector<SignerDecl> signers;
    std::vector<Block> body;

    [[nodiscard]] const FieldDecl* find_field(std::string_view field_name) const;
    [[nodiscard]] const ListDecl* find_list(std::string_view list_name) const;
    [[nodiscard]] const SignerDecl* find_signer(std::string_view slot) const;
};

// The values a template is filled with. All values are text, formatted by the caller (dates, money).
struct TemplateValues {
    std::map<std::string, std::string> fields; // "case.name" -> "..."
    std::map<std::string, std::vector<std::map<std::string, std::string>>>
        lists; // "signers" -> [{"name": ...}]
};

// Names the renderer provides itself; templates may reference them without declaring them.
inline constexpr std::string_view builtin_template_name = "template.name";
inline constexpr std::string_view builtin_template_version = "template.version";
inline constexpr std::string_view builtin_document_id = "document.id";

// Template files are "<name>.kvt" in a template directory.
inline constexpr std::string_view template_extension = ".kvt";
// The largest template file read (a real one is a few KiB).
inline constexpr std::size_t max_template_bytes = std::size_t{1} << 20;

// Parse errors are Errc::invalid_input with "SOURCE:LINE: what is wrong".
[[nodiscard]] Result<Template> parse_template(std::string_view text, std::string_view source);
[[nodiscard]] Result<Template> load_template_file(const std::filesystem::path& path);
// Loads "<dir>/<name>.kvt"; the name must be lower-case letters, digits and dashes (no path tricks).
[[nodiscard]] Result<Template> load_template(const std::filesystem::path& dir, std::string_view name);
// Every template in a directory, sorted by name. One broken template fails the listing with its line,
// so a practice editing a template sees the mistake at once instead of a silently missing template.
[[nodiscard]] Result<std::vector<Template>> load_template_dir(const std::filesystem::path& dir);

// Fails with Errc::invalid_input naming every missing or disallowed value, e.g.
// "template roi 3: missing values: case.name, signers[2].authority". Builtins are not checked here.
[[nodiscard]] Status check_values(const Template& tmpl, const TemplateValues& values);

// Resolves field references while walking a template (conditions, list entries, builtins); shared by
// check_values and the renderer so both agree on which branch is taken and what counts as missing.
class ValueScope {
public:
    ValueScope(const Template& tmpl, const TemplateValues& values,
               std::map<std::string, std::string> builtins);

    // The value of a reference in the current scope; nullopt when absent or only whitespace.
    [[nodiscard]] std::optional<std::string> lookup(std::string_view name) const;
    [[nodiscard]] bool test(const Condition& condition) const;
    [[nodiscard]] std::size_t item_count(const std::string& list) const;
    // A reference's name as a reader of an error message needs it, e.g. "signers[2].name" (1-based).
    [[nodiscard]] std::string describe(std::string_view name) const;

    void enter(const std::string& list, std::size_t index);
    void leave();

private:
    const Template& m_template;
    const TemplateValues& m_values;
    std::map<std::string, std::string> m_builtins;
    std::vector<std::pair<std::string, std::size_t>> m_items; // open @each loops, innermost last
};

// The kinds' names: template directives, stored placements and the worker protocol all spell them so.
inline constexpr EnumNames<FieldKind, 5> field_kind_names{{
    {FieldKind::signature, "signature"},
    {FieldKind::initials, "initials"},
    {FieldKind::date, "date"},
    {FieldKind::text, "text"},
    {FieldKind::checkbox, "checkbox"},
}};
[[nodiscard]] std::string_view field_kind_name(FieldKind kind);
[[nodiscard]] std::optional<FieldKind> parse_field_kind(std::string_view name);

} // namespace kinvault::pdf
