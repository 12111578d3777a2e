#include "pdf/template.h"

#include "common/file.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <sstream>

namespace kinvault::pdf {

namespace {

constexpr double max_font_size = 72;
constexpr double max_space = 800;
constexpr double max_field_extent = 2000;

[[nodiscard]] bool is_space(char c) {
    return c == ' ' || c == '\t';
}

[[nodiscard]] std::string_view trim(std::string_view s) {
    while (!s.empty() && (is_space(s.front()) || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (is_space(s.back()) || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

[[nodiscard]] bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

[[nodiscard]] bool is_segment(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), is_name_char);
}

[[nodiscard]] std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const auto pos = s.find(sep, start);
        if (pos == std::string_view::npos) {
            parts.push_back(s.substr(start));
            return parts;
        }
        parts.push_back(s.substr(start, pos - start));
        start = pos + 1;
    }
}

// "case.name" or "signers[].name"; with allow_index also "signers[].#" (the 1-based entry number).
[[nodiscard]] bool is_field_name(std::string_view name, bool allow_index) {
    const auto brackets = name.find("[]");
    if (brackets == std::string_view::npos) {
        const auto parts = split(name, '.');
        return std::all_of(parts.begin(), parts.end(), is_segment);
    }
    const auto list = name.substr(0, brackets);
    const auto rest = name.substr(brackets + 2);
    if (!is_segment(list) || rest.size() < 2 || rest.front() != '.') {
        return false;
    }
    const auto key = rest.substr(1);
    if (allow_index && key == "#") {
        return true;
    }
    const auto parts = split(key, '.');
    return std::all_of(parts.begin(), parts.end(), is_segment);
}

struct ListRef {
    std::string list;
    std::string key;
};

[[nodiscard]] std::optional<ListRef> split_list_ref(std::string_view name) {
    const auto brackets = name.find("[].");
    if (brackets == std::string_view::npos) {
        return std::nullopt;
    }
    return ListRef{std::string(name.substr(0, brackets)), std::string(name.substr(brackets + 3))};
}

[[nodiscard]] bool is_template_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || name.front() == '-') {
        return false;
    }
    return std::all_of(name.begin(), name.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

[[nodiscard]] bool is_version(std::string_view v) {
    if (v.empty() || v.size() > 32) {
        return false;
    }
    return std::all_of(v.begin(), v.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
               c == '-' || c == '_';
    });
}

[[nodiscard]] std::optional<double> parse_number(std::string_view s) {
    double value = 0;
    const auto* end = s.data() + s.size();
    const auto [ptr, ec] = std::from_chars(s.data(), end, value);
    if (ec != std::errc{} || ptr != end || !std::isfinite(value) || value < 0) {
        return std::nullopt;
    }
    return value;
}

[[nodiscard]] bool is_builtin(std::string_view name) {
    return name == builtin_template_name || name == builtin_template_version || name == builtin_document_id;
}

// A directive argument: `word`, `key=value` or `key="quoted value"`.
struct Arg {
    std::string key; // empty for a positional argument
    std::string value;
};

class Parser {
public:
    explicit Parser(std::string source) { m_template.source = std::move(source); }

    Result<Template> run(std::string_view text) {
        std::vector<std::string_view> lines = split(text, '\n');
        for (std::size_t i = 0; i < lines.size() && !m_error; ++i) {
            handle_line(static_cast<int>(i + 1), lines[i]);
        }
        if (!m_error) {
            finish();
        }
        if (!m_error) {
            validate();
        }
        if (m_error) {
            return *m_error;
        }
        return std::move(m_template);
    }

private:
    struct Open {
        Block* block;
        bool in_else;
    };

    struct Pending {
        BlockKind kind{BlockKind::paragraph};
        int line{0};
        std::string marker;
        std::string text;
    };

    Template m_template;
    std::optional<Error> m_error;
    std::vector<Open> m_open;
    std::optional<Pending> m_pending;
    Block* m_signature_block{nullptr};
    int m_signature_block_line{0};
    bool m_seen_template{false};
    bool m_seen_version{false};
    bool m_seen_min_size{false};

    void fail(int line, const std::string& message) {
        if (!m_error) {
            m_error = make_error(Errc::invalid_input,
                                 m_template.source + ":" + std::to_string(line) + ": " + message);
        }
    }

    std::vector<Block>& target() {
        if (m_open.empty()) {
            return m_template.body;
        }
        auto& top = m_open.back();
        return top.in_else ? top.block->else_children : top.block->children;
    }

    void handle_line(int line, std::string_view raw) {
        if (!raw.empty() && raw.back() == '\r') {
            raw.remove_suffix(1);
        }
        if (m_signature_block != nullptr) {
            handle_caption_line(line, trim(raw));
            return;
        }
        if (!raw.empty() && raw.front() == '#') {
            return;
        }
        const auto text = trim(raw);
        if (text.empty()) {
            flush();
            return;
        }
        if (raw.front() == '@') {
            flush();
            handle_directive(line, text);
            return;
        }
        if (raw.size() >= 2 && raw[0] == '-' && is_space(raw[1])) {
            flush();
            m_pending = Pending{BlockKind::bullet, line, {}, std::string(trim(raw.substr(2)))};
            return;
        }
        if (const auto marker = numbered_marker(raw)) {
            flush();
            m_pending =
                Pending{BlockKind::numbered, line, *marker, std::string(trim(raw.substr(marker->size())))};
            return;
        }
        if (is_space(raw.front()) && m_pending) {
            m_pending->text += ' ';
            m_pending->text += text;
            return;
        }
        if (m_pending && m_pending->kind == BlockKind::paragraph) {
            m_pending->text += ' ';
            m_pending->text += text;
            return;
        }
        flush();
        m_pending = Pending{BlockKind::paragraph, line, {}, std::string(text)};
    }

    static std::optional<std::string> numbered_marker(std::string_view raw) {
        std::size_t digits = 0;
        while (digits < raw.size() && digits < 4 && raw[digits] >= '0' && raw[digits] <= '9') {
            ++digits;
        }
        if (digits == 0 || digits + 1 >= raw.size() || raw[digits] != '.' || !is_space(raw[digits + 1])) {
            return std::nullopt;
        }
        return std::string(raw.substr(0, digits + 1));
    }

    void handle_caption_line(int line, std::string_view text) {
        if (text == "@end") {
            m_signature_block = nullptr;
            return;
        }
        if (text.empty()) {
            return;
        }
        if (text.front() == '@') {
            fail(line, "only caption lines and @end may follow @signature-block (opened on line " +
                           std::to_string(m_signature_block_line) + ")");
            return;
        }
        if (auto parsed = parse_inline(line, text)) {
            m_signature_block->captions.push_back(std::move(*parsed));
        }
    }

    void flush() {
        if (!m_pending) {
            return;
        }
        Pending pending = std::move(*m_pending);
        m_pending.reset();
        auto parsed = parse_inline(pending.line, pending.text);
        if (!parsed) {
            return;
        }
        Block block;
        block.kind = pending.kind;
        block.line = pending.line;
        block.marker = pending.marker;
        block.text = std::move(*parsed);
        target().push_back(std::move(block));
    }

    // Splits text into literal runs, {{field}} references and ** bold toggles; backslash escapes a character.
    std::optional<InlineText> parse_inline(int line, std::string_view text) {
        InlineText parts;
        std::string literal;
        bool bold = false;
        const auto push_literal = [&] {
            if (!literal.empty()) {
                parts.push_back(TextPart{TextPart::Kind::literal, std::move(literal)});
                literal.clear();
            }
        };
        for (std::size_t i = 0; i < text.size(); ++i) {
            const char c = text[i];
            if (c == '\\' && i + 1 < text.size()) {
                literal += text[++i];
                continue;
            }
            if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
                const auto close = text.find("}}", i + 2);
                if (close == std::string_view::npos) {
                    fail(line, "'{{' has no closing '}}'");
                    return std::nullopt;
                }
                const auto name = trim(text.substr(i + 2, close - i - 2));
                if (!is_field_name(name, true)) {
                    fail(line,
                         "'{{" + std::string(name) +
                             "}}' is not a field name (lower-case words joined by dots, e.g. case.name)");
                    return std::nullopt;
                }
                push_literal();
                parts.push_back(TextPart{TextPart::Kind::field, std::string(name)});
                i = close + 1;
                continue;
            }
            if (c == '*' && i + 1 < text.size() && text[i + 1] == '*') {
                push_literal();
                parts.push_back(TextPart{TextPart::Kind::bold_toggle, {}});
                bold = !bold;
                ++i;
                continue;
            }
            literal += c;
        }
        push_literal();
        if (bold) {
            fail(line, "'**' starts bold text that is never closed");
            return std::nullopt;
        }
        return parts;
    }

    std::optional<std::vector<Arg>> parse_args(int line, std::string_view text) {
        std::vector<Arg> args;
        std::size_t i = 0;
        while (true) {
            while (i < text.size() && is_space(text[i])) {
                ++i;
            }
            if (i >= text.size()) {
                return args;
            }
            Arg arg;
            std::string word;
            bool quoted_value = false;
            while (i < text.size() && !is_space(text[i])) {
                if (text[i] == '=' && arg.key.empty() && !quoted_value) {
                    arg.key = word;
                    word.clear();
                    ++i;
                    if (i < text.size() && text[i] == '"') {
                        quoted_value = true;
                        ++i;
                        while (i < text.size() && text[i] != '"') {
                            if (text[i] == '\\' && i + 1 < text.size()) {
                                word += text[i];
                                ++i;
                            }
                            word += text[i];
                            ++i;
                        }
                        if (i >= text.size()) {
                            fail(line, "quoted value of " + arg.key + "= is not closed with '\"'");
                            return std::nullopt;
                        }
                        ++i;
                        if (i < text.size() && !is_space(text[i])) {
                            fail(line, "expected a space after the closing quote of " + arg.key + "=");
                            return std::nullopt;
                        }
                        break;
                    }
                    continue;
                }
                word += text[i];
                ++i;
            }
            if (!arg.key.empty() && word.empty() && !quoted_value) {
                fail(line, arg.key + "= has no value");
                return std::nullopt;
            }
            arg.value = std::move(word);
            args.push_back(std::move(arg));
        }
    }

    bool require_top_level(int line, std::string_view directive) {
        if (!m_open.empty()) {
            fail(line, "@" + std::string(directive) +
                           " declares the template and cannot appear inside @if or @each");
            return false;
        }
        return true;
    }

    void handle_directive(int line, std::string_view text) {
        std::size_t end = 1;
        while (end < text.size() && !is_space(text[end])) {
            ++end;
        }
        const std::string name(text.substr(1, end - 1));
        const auto rest = trim(text.substr(end));

        if (name == "template") {
            directive_template(line, rest);
        } else if (name == "version") {
            if (m_seen_version || !is_version(rest)) {
                fail(line, m_seen_version ? "@version given twice"
                                          : "@version needs one word of letters, digits, '.', '-' or '_'");
                return;
            }
            m_seen_version = true;
            m_template.version = std::string(rest);
        } else if (name == "description") {
            m_template.description = std::string(rest);
        } else if (name == "min-font-size") {
            const auto size = parse_number(rest);
            if (m_seen_min_size || !size || *size < 4 || *size > max_font_size) {
                fail(line, m_seen_min_size ? "@min-font-size given twice"
                                           : "@min-font-size needs a size in points between 4 and 72");
                return;
            }
            m_seen_min_size = true;
            m_template.min_font_size = *size;
        } else if (name == "field") {
            directive_field(line, rest);
        } else if (name == "list") {
            directive_list(line, rest);
        } else if (name == "signer") {
            directive_signer(line, rest);
        } else if (name == "title" || name == "heading" || name == "subheading") {
            directive_text_block(line, name, rest);
        } else if (name == "space") {
            const auto points = parse_number(rest);
            if (!points || *points > max_space) {
                fail(line, "@space needs a distance in points between 0 and 800");
                return;
            }
            push_simple(line, BlockKind::space, *points);
        } else if (name == "font-size") {
            const auto size = parse_number(rest);
            if (!size || *size < 4 || *size > max_font_size) {
                fail(line, "@font-size needs a size in points between 4 and 72");
                return;
            }
            push_simple(line, BlockKind::font_size, *size);
        } else if (name == "page-break" || name == "rule") {
            if (!rest.empty()) {
                fail(line, "@" + name + " takes no arguments");
                return;
            }
            push_simple(line, name == "rule" ? BlockKind::rule : BlockKind::page_break, 0);
        } else if (name == "if") {
            directive_if(line, rest);
        } else if (name == "each") {
            directive_each(line, rest);
        } else if (name == "else") {
            directive_else(line, rest);
        } else if (name == "end") {
            directive_end(line, rest);
        } else if (name == "signature-block") {
            directive_signature_block(line, rest);
        } else if (name == "signature" || name == "initials" || name == "date" || name == "text" ||
                   name == "checkbox") {
            directive_field_input(line, name, rest);
        } else {
            fail(line,
                 "unknown directive @" + name +
                     " (templates/README.md lists them; write \\@ for a literal @ at the start of a line)");
        }
    }

    void push_simple(int line, BlockKind kind, double amount) {
        Block block;
        block.kind = kind;
        block.line = line;
        block.amount = amount;
        target().push_back(std::move(block));
    }

    void directive_template(int line, std::string_view rest) {
        if (m_seen_template) {
            fail(line, "@template given twice");
            return;
        }
        if (!is_template_name(rest)) {
            fail(line, "@template needs a name of lower-case letters, digits and dashes");
            return;
        }
        m_seen_template = true;
        m_template.name = std::string(rest);
    }

    // "@field NAME [optional] [one-of=a|b] description"
    void directive_field(int line, std::string_view rest) {
        if (!require_top_level(line, "field")) {
            return;
        }
        FieldDecl decl;
        decl.line = line;
        auto words = rest;
        const auto next_word = [&words]() {
            words = trim(words);
            std::size_t end = 0;
            while (end < words.size() && !is_space(words[end])) {
                ++end;
            }
            const auto word = words.substr(0, end);
            return word;
        };
        const auto consume = [&words](std::string_view word) { words = trim(words.substr(word.size())); };

        const auto field_name = next_word();
        if (!is_field_name(field_name, false)) {
            fail(line, "@field needs a name such as case.name or signers[].name, got '" +
                           std::string(field_name) + "'");
            return;
        }
        decl.name = std::string(field_name);
        consume(field_name);
        while (true) {
            const auto word = next_word();
            if (word == "optional") {
                decl.optional = true;
                consume(word);
            } else if (word.starts_with("one-of=")) {
                for (const auto choice : split(word.substr(7), '|')) {
                    if (choice.empty()) {
                        fail(line, "one-of= needs values separated by '|', e.g. one-of=open|closed");
                        return;
                    }
                    decl.one_of.emplace_back(choice);
                }
                consume(word);
            } else {
                break;
            }
        }
        decl.description = std::string(words);
        if (decl.description.empty()) {
            fail(line,
                 "@field " + decl.name + " needs a description (the README and `template show` print it)");
            return;
        }
        if (m_template.find_field(decl.name) != nullptr || is_builtin(decl.name)) {
            fail(line, "field " + decl.name + " is declared twice or is a builtin");
            return;
        }
        m_template.fields.push_back(std::move(decl));
    }

    // "@list NAME [optional] description"
    void directive_list(int line, std::string_view rest) {
        if (!require_top_level(line, "list")) {
            return;
        }
        ListDecl decl;
        decl.line = line;
        const auto space = rest.find_first_of(" \t");
        decl.name = std::string(rest.substr(0, space));
        auto remainder = space == std::string_view::npos ? std::string_view{} : trim(rest.substr(space));
        if (!is_segment(decl.name)) {
            fail(line, "@list needs a name of lower-case letters, digits and '_', got '" + decl.name + "'");
            return;
        }
        if (remainder.starts_with("optional") && (remainder.size() == 8 || is_space(remainder[8]))) {
            decl.optional = true;
            remainder = trim(remainder.substr(8));
        }
        decl.description = std::string(remainder);
        if (decl.description.empty()) {
            fail(line, "@list " + decl.name + " needs a description");
            return;
        }
        if (m_template.find_list(decl.name) != nullptr) {
            fail(line, "list " + decl.name + " is declared twice");
            return;
        }
        m_template.lists.push_back(std::move(decl));
    }

    void directive_signer(int line, std::string_view rest) {
        if (!require_top_level(line, "signer")) {
            return;
        }
        SignerDecl decl;
        decl.line = line;
        const auto space = rest.find_first_of(" \t");
        decl.slot = std::string(rest.substr(0, space));
        decl.description =
            space == std::string_view::npos ? std::string{} : std::string(trim(rest.substr(space)));
        if (!is_segment(decl.slot)) {
            fail(line,
                 "@signer needs a slot name of lower-case letters, digits and '_', got '" + decl.slot + "'");
            return;
        }
        if (decl.description.empty()) {
            fail(line, "@signer " + decl.slot + " needs a description");
            return;
        }
        if (m_template.find_signer(decl.slot) != nullptr) {
            fail(line, "signer " + decl.slot + " is declared twice");
            return;
        }
        m_template.signers.push_back(std::move(decl));
    }

    void directive_text_block(int line, const std::string& name, std::string_view rest) {
        if (rest.empty()) {
            fail(line, "@" + name + " needs text");
            return;
        }
        auto parsed = parse_inline(line, rest);
        if (!parsed) {
            return;
        }
        Block block;
        block.kind = name == "title"     ? BlockKind::title
                     : name == "heading" ? BlockKind::heading
                                         : BlockKind::subheading;
        block.line = line;
        block.text = std::move(*parsed);
        target().push_back(std::move(block));
    }

    void open_block(Block block) {
        auto& vec = target();
        vec.push_back(std::move(block));
        m_open.push_back(Open{&vec.back(), false});
    }

    // "@if NAME", "@if NAME = VALUE", "@if NAME != VALUE"
    void directive_if(int line, std::string_view rest) {
        Block block;
        block.kind = BlockKind::if_block;
        block.line = line;
        auto& cond = block.condition;
        const auto ne = rest.find("!=");
        const auto eq = rest.find('=');
        if (ne != std::string_view::npos) {
            cond.op = Condition::Op::not_equals;
            cond.field = std::string(trim(rest.substr(0, ne)));
            cond.value = std::string(trim(rest.substr(ne + 2)));
        } else if (eq != std::string_view::npos) {
            cond.op = Condition::Op::equals;
            cond.field = std::string(trim(rest.substr(0, eq)));
            cond.value = std::string(trim(rest.substr(eq + 1)));
        } else {
            cond.field = std::string(rest);
        }
        if (!is_field_name(cond.field, false)) {
            fail(line, "@if needs a field name, optionally followed by '= value' or '!= value'");
            return;
        }
        if (cond.op != Condition::Op::present && cond.value.empty()) {
            fail(line, "@if " + cond.field + " compares with an empty value; write '@if " + cond.field +
                           "' to test that it is present");
            return;
        }
        open_block(std::move(block));
    }

    void directive_each(int line, std::string_view rest) {
        if (!is_segment(rest)) {
            fail(line, "@each needs the name of a list declared with @list");
            return;
        }
        Block block;
        block.kind = BlockKind::each_block;
        block.line = line;
        block.list = std::string(rest);
        open_block(std::move(block));
    }

    void directive_else(int line, std::string_view rest) {
        if (!rest.empty()) {
            fail(line, "@else takes no arguments");
            return;
        }
        if (m_open.empty() || m_open.back().block->kind != BlockKind::if_block || m_open.back().in_else) {
            fail(line, "@else without a matching @if");
            return;
        }
        m_open.back().in_else = true;
    }

    void directive_end(int line, std::string_view rest) {
        if (!rest.empty()) {
            fail(line, "@end takes no arguments");
            return;
        }
        if (m_open.empty()) {
            fail(line, "@end without a matching @if, @each or @signature-block");
            return;
        }
        m_open.pop_back();
    }

    std::optional<InlineText> parse_slot(int line, const std::string& directive, const std::string& value) {
        auto parsed = parse_inline(line, value);
        if (!parsed) {
            return std::nullopt;
        }
        const bool single_literal = parsed->size() == 1 && parsed->front().kind == TextPart::Kind::literal;
        const bool single_field = parsed->size() == 1 && parsed->front().kind == TextPart::Kind::field;
        if (single_literal && !is_segment(parsed->front().text)) {
            fail(line, "@" + directive + " needs a signer slot (declared with @signer), got '" + value + "'");
            return std::nullopt;
        }
        if (!single_literal && !single_field) {
            fail(line, "@" + directive + " needs a signer slot or a single {{list[].field}} reference");
            return std::nullopt;
        }
        return parsed;
    }

    bool apply_common_option(int line, const std::string& directive, const Arg& arg, Block& block) {
        if (arg.key == "width" || arg.key == "height") {
            const auto v = parse_number(arg.value);
            if (!v || *v < 4 || *v > max_field_extent) {
                fail(line, arg.key + "= needs a size in points between 4 and 2000");
                return false;
            }
            (arg.key == "width" ? block.width : block.height) = *v;
            return true;
        }
        if (arg.key == "at") {
            const auto parts = split(arg.value, ',');
            std::optional<double> page;
            std::optional<double> x;
            std::optional<double> y;
            if (parts.size() == 3) {
                page = parse_number(trim(parts[0]));
                x = parse_number(trim(parts[1]));
                y = parse_number(trim(parts[2]));
            }
            if (!page || !x || !y || *page < 1 || *page != std::floor(*page) || *page > 10000) {
                fail(line, "at= needs PAGE,X,Y: a 1-based page number and the field's bottom-left corner in "
                           "points from the page's bottom-left, e.g. at=2,72,144");
                return false;
            }
            block.at = FieldPosition{static_cast<int>(*page) - 1, *x, *y};
            return true;
        }
        if (arg.key == "label") {
            auto parsed = parse_inline(line, arg.value);
            if (!parsed) {
                return false;
            }
            block.text = std::move(*parsed);
            return true;
        }
        if (arg.key == "name" && directive != "text" && directive != "checkbox") {
            auto parsed = parse_inline(line, arg.value);
            if (!parsed) {
                return false;
            }
            block.field_name = std::move(*parsed);
            return true;
        }
        fail(line,
             "@" + directive + " does not take " + (arg.key.empty() ? "'" + arg.value + "'" : arg.key + "="));
        return false;
    }

    // "@signature SLOT [opts]", "@text SLOT NAME [opts]", ...
    void directive_field_input(int line, const std::string& directive, std::string_view rest) {
        const auto args = parse_args(line, rest);
        if (!args) {
            return;
        }
        Block block;
        block.kind = BlockKind::field;
        block.line = line;
        block.field_kind = directive == "signature"  ? FieldKind::signature
                           : directive == "initials" ? FieldKind::initials
                           : directive == "date"     ? FieldKind::date
                           : directive == "text"     ? FieldKind::text
                                                     : FieldKind::checkbox;
        const bool needs_name =
            block.field_kind == FieldKind::text || block.field_kind == FieldKind::checkbox;
        std::size_t positional = 0;
        for (const auto& arg : *args) {
            if (arg.key.empty() && positional == 0) {
                auto slot = parse_slot(line, directive, arg.value);
                if (!slot) {
                    return;
                }
                block.slot = std::move(*slot);
                ++positional;
                continue;
            }
            if (arg.key.empty() && positional == 1 && needs_name) {
                auto parsed = parse_inline(line, arg.value);
                if (!parsed) {
                    return;
                }
                block.field_name = std::move(*parsed);
                ++positional;
                continue;
            }
            if (!apply_common_option(line, directive, arg, block)) {
                return;
            }
        }
        if (positional == 0 || (needs_name && positional < 2)) {
            fail(line, needs_name
                           ? "@" + directive + " needs a signer slot and a field name, e.g. @" + directive +
                                 " parent_a parent_a.phone"
                           : "@" + directive + " needs a signer slot, e.g. @" + directive + " parent_a");
            return;
        }
        if (block.at && !block.text.empty()) {
            fail(line, "label= cannot be combined with at= (a field at a fixed position draws no label)");
            return;
        }
        target().push_back(std::move(block));
    }

    // "@signature-block SLOT [date=yes|no] [width=N] [height=N]", caption lines, "@end"
    void directive_signature_block(int line, std::string_view rest) {
        const auto args = parse_args(line, rest);
        if (!args) {
            return;
        }
        Block block;
        block.kind = BlockKind::signature_block;
        block.field_kind = FieldKind::signature;
        block.line = line;
        bool have_slot = false;
        for (const auto& arg : *args) {
            if (arg.key.empty() && !have_slot) {
                auto slot = parse_slot(line, "signature-block", arg.value);
                if (!slot) {
                    return;
                }
                block.slot = std::move(*slot);
                have_slot = true;
            } else if (arg.key == "date" && (arg.value == "yes" || arg.value == "no")) {
                block.with_date = arg.value == "yes";
            } else if (arg.key == "width" || arg.key == "height") {
                if (!apply_common_option(line, "signature-block", arg, block)) {
                    return;
                }
            } else {
                fail(line, "@signature-block takes a signer slot, date=yes|no, width= and height=; got '" +
                               (arg.key.empty() ? arg.value : arg.key + "=" + arg.value) + "'");
                return;
            }
        }
        if (!have_slot) {
            fail(line, "@signature-block needs a signer slot, e.g. @signature-block parent_a");
            return;
        }
        auto& vec = target();
        vec.push_back(std::move(block));
        m_signature_block = &vec.back();
        m_signature_block_line = line;
    }

    void finish() {
        if (m_signature_block != nullptr) {
            fail(m_signature_block_line, "@signature-block is never closed with @end");
            return;
        }
        flush();
        if (!m_open.empty()) {
            const auto* block = m_open.back().block;
            fail(block->line, std::string(block->kind == BlockKind::if_block ? "@if" : "@each") +
                                  " is never closed with @end");
            return;
        }
        // Reported against line 1, where the declaration belongs.
        if (!m_seen_template) {
            fail(1, "the template has no @template line naming it");
            return;
        }
        if (!m_seen_version) {
            fail(1, "the template has no @version line");
        }
    }

    // Second pass: every reference is declared and used where it can resolve.
    void validate() {
        for (const auto& field : m_template.fields) {
            if (const auto ref = split_list_ref(field.name);
                ref && m_template.find_list(ref->list) == nullptr) {
                fail(field.line, "field " + field.name + " belongs to list " + ref->list +
                                     ", which is not declared with @list");
                return;
            }
        }
        std::vector<std::string> lists;
        validate_blocks(m_template.body, lists);
    }

    void validate_reference(int line, const std::string& name, const std::vector<std::string>& lists) {
        if (is_builtin(name)) {
            return;
        }
        if (const auto ref = split_list_ref(name)) {
            if (std::find(lists.begin(), lists.end(), ref->list) == lists.end()) {
                fail(line, "{{" + name + "}} can only be used inside '@each " + ref->list + "'");
                return;
            }
            if (ref->key == "#") {
                return;
            }
        }
        if (m_template.find_field(name) == nullptr) {
            fail(line,
                 "{{" + name + "}} is not declared (add '@field " + name + " description' to the template)");
        }
    }

    void validate_text(int line, const InlineText& text, const std::vector<std::string>& lists) {
        for (const auto& part : text) {
            if (part.kind == TextPart::Kind::field) {
                validate_reference(line, part.text, lists);
            }
        }
    }

    void validate_blocks(const std::vector<Block>& blocks, std::vector<std::string>& lists) {
        for (const auto& block : blocks) {
            if (m_error) {
                return;
            }
            validate_text(block.line, block.text, lists);
            validate_text(block.line, block.field_name, lists);
            for (const auto& caption : block.captions) {
                validate_text(block.line, caption, lists);
            }
            switch (block.kind) {
            case BlockKind::font_size:
                if (block.amount < m_template.min_font_size) {
                    fail(block.line, "@font-size " + format_points(block.amount) +
                                         " is below @min-font-size " +
                                         format_points(m_template.min_font_size));
                }
                break;
            case BlockKind::field:
            case BlockKind::signature_block:
                validate_slot(block, lists);
                break;
            case BlockKind::if_block:
                validate_condition(block, lists);
                validate_blocks(block.children, lists);
                validate_blocks(block.else_children, lists);
                break;
            case BlockKind::each_block:
                if (m_template.find_list(block.list) == nullptr) {
                    fail(block.line, "@each " + block.list + ": no such list (declare it with @list)");
                    return;
                }
                if (std::find(lists.begin(), lists.end(), block.list) != lists.end()) {
                    fail(block.line, "@each " + block.list + " is already open around this line");
                    return;
                }
                lists.push_back(block.list);
                validate_blocks(block.children, lists);
                lists.pop_back();
                break;
            default:
                break;
            }
        }
    }

    void validate_slot(const Block& block, const std::vector<std::string>& lists) {
        const auto& part = block.slot.front();
        if (part.kind == TextPart::Kind::literal) {
            if (m_template.find_signer(part.text) == nullptr) {
                fail(block.line, "signer slot '" + part.text + "' is not declared (add '@signer " +
                                     part.text + " description')");
            }
            return;
        }
        if (!split_list_ref(part.text)) {
            fail(block.line,
                 "a signer slot taken from a value must be a list entry such as {{signers[].slot}}");
            return;
        }
        validate_reference(block.line, part.text, lists);
    }

    void validate_condition(const Block& block, const std::vector<std::string>& lists) {
        const auto& cond = block.condition;
        if (cond.op == Condition::Op::present && m_template.find_list(cond.field) != nullptr) {
            return; // "@if LIST": the list has entries
        }
        validate_reference(block.line, cond.field, lists);
        if (m_error || cond.op == Condition::Op::present) {
            return;
        }
        const auto* decl = m_template.find_field(cond.field);
        if (decl != nullptr && !decl->one_of.empty() &&
            std::find(decl->one_of.begin(), decl->one_of.end(), cond.value) == decl->one_of.end()) {
            fail(block.line,
                 "@if compares " + cond.field + " with '" + cond.value + "', which is not one of its values");
        }
    }

    static std::string format_points(double v) {
        std::ostringstream out;
        out << v;
        return out.str();
    }
};

[[nodiscard]] bool is_blank(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || (c >= '\t' && c <= '\r'); });
}

} // namespace

const FieldDecl* Template::find_field(std::string_view field_name) const {
    const auto it =
        std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.name == field_name; });
    return it == fields.end() ? nullptr : &*it;
}

const ListDecl* Template::find_list(std::string_view list_name) const {
    const auto it =
        std::find_if(lists.begin(), lists.end(), [&](const auto& l) { return l.name == list_name; });
    return it == lists.end() ? nullptr : &*it;
}

const SignerDecl* Template::find_signer(std::string_view slot) const {
    const auto it =
        std::find_if(signers.begin(), signers.end(), [&](const auto& s) { return s.slot == slot; });
    return it == signers.end() ? nullptr : &*it;
}

Result<Template> parse_template(std::string_view text, std::string_view source) {
    return Parser(std::string(source)).run(text);
}

Result<Template> load_template_file(const std::filesystem::path& path) {
    auto read = read_text_file(path.string(), max_template_bytes);
    if (!read) {
        if (read.error().code == Errc::payload_too_large) {
            return make_error(Errc::invalid_input, "template " + path.string() + " is larger than 1 MiB");
        }
        if (read.error().code == Errc::not_found) {
            return make_error(Errc::not_found, "cannot read template " + path.string());
        }
        return make_error(Errc::unavailable, "error reading template " + path.string());
    }
    const std::string& text = *read;
    auto parsed = KV_TRY_VALUE(parse_template(text, path.filename().string()));
    if (parsed.name + std::string(template_extension) != path.filename().string()) {
        return make_error(Errc::invalid_input, path.filename().string() + ": @template " + parsed.name +
                                                   " does not match the file name (expected " + parsed.name +
                                                   std::string(template_extension) + ")");
    }
    return parsed;
}

Result<Template> load_template(const std::filesystem::path& dir, std::string_view name) {
    if (!is_template_name(name)) {
        return make_error(Errc::invalid_input, "template names are lower-case letters, digits and dashes");
    }
    const auto path = dir / (std::string(name) + std::string(template_extension));
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
        return make_error(Errc::not_found, "no template named " + std::string(name));
    }
    return load_template_file(path);
}

Result<std::vector<Template>> load_template_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    std::vector<std::filesystem::path> paths;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().extension() == template_extension && it->is_regular_file(ec)) {
            paths.push_back(it->path());
        }
    }
    if (ec) {
        return make_error(Errc::unavailable,
                          "cannot list templates in " + dir.string() + ": " + ec.message());
    }
    std::sort(paths.begin(), paths.end());
    std::vector<Template> templates;
    for (const auto& path : paths) {
        auto loaded = KV_TRY_VALUE(load_template_file(path));
        templates.push_back(std::move(loaded));
    }
    // By template name, as promised: a path order would put "a-b.kvt" before "a.kvt".
    std::sort(templates.begin(), templates.end(),
              [](const Template& a, const Template& b) { return a.name < b.name; });
    return templates;
}

ValueScope::ValueScope(const Template& tmpl, const TemplateValues& values,
                       std::map<std::string, std::string> builtins)
    : m_template(tmpl), m_values(values), m_builtins(std::move(builtins)) {}

std::optional<std::string> ValueScope::lookup(std::string_view name) const {
    const std::string key(name);
    if (const auto it = m_builtins.find(key); it != m_builtins.end()) {
        return is_blank(it->second) ? std::nullopt : std::optional<std::string>(it->second);
    }
    if (const auto ref = split_list_ref(name)) {
        const auto open = std::find_if(m_items.rbegin(), m_items.rend(),
                                       [&](const auto& item) { return item.first == ref->list; });
        if (open == m_items.rend()) {
            return std::nullopt;
        }
        if (ref->key == "#") {
            return std::to_string(open->second + 1);
        }
        const auto list = m_values.lists.find(ref->list);
        if (list == m_values.lists.end() || open->second >= list->second.size()) {
            return std::nullopt;
        }
        const auto& item = list->second[open->second];
        const auto value = item.find(ref->key);
        if (value == item.end() || is_blank(value->second)) {
            return std::nullopt;
        }
        return value->second;
    }
    const auto it = m_values.fields.find(key);
    if (it == m_values.fields.end() || is_blank(it->second)) {
        return std::nullopt;
    }
    return it->second;
}

bool ValueScope::test(const Condition& condition) const {
    if (condition.op == Condition::Op::present && m_template.find_list(condition.field) != nullptr) {
        return item_count(condition.field) > 0;
    }
    const auto value = lookup(condition.field);
    switch (condition.op) {
    case Condition::Op::present:
        return value.has_value();
    case Condition::Op::equals:
        return value && trim(*value) == condition.value;
    case Condition::Op::not_equals:
        return !value || trim(*value) != condition.value;
    }
    return false;
}

std::size_t ValueScope::item_count(const std::string& list) const {
    const auto it = m_values.lists.find(list);
    return it == m_values.lists.end() ? 0 : it->second.size();
}

std::string ValueScope::describe(std::string_view name) const {
    const auto ref = split_list_ref(name);
    if (!ref) {
        return std::string(name);
    }
    const auto open = std::find_if(m_items.rbegin(), m_items.rend(),
                                   [&](const auto& item) { return item.first == ref->list; });
    if (open == m_items.rend()) {
        return std::string(name);
    }
    return ref->list + "[" + std::to_string(open->second + 1) + "]." + ref->key;
}

void ValueScope::enter(const std::string& list, std::size_t index) {
    m_items.emplace_back(list, index);
}

void ValueScope::leave() {
    if (!m_items.empty()) {
        m_items.pop_back();
    }
}

namespace {

// Walks the branches the values select and records every reference that has no value.
void collect_missing(const std::vector<Block>& blocks, ValueScope& scope, std::set<std::string>& missing) {
    const auto check_text = [&](const InlineText& text) {
        for (const auto& part : text) {
            if (part.kind == TextPart::Kind::field && !scope.lookup(part.text)) {
                missing.insert(scope.describe(part.text));
            }
        }
    };
    for (const auto& block : blocks) {
        check_text(block.text);
        check_text(block.slot);
        check_text(block.field_name);
        for (const auto& caption : block.captions) {
            check_text(caption);
        }
        if (block.kind == BlockKind::if_block) {
            collect_missing(scope.test(block.condition) ? block.children : block.else_children, scope,
                            missing);
        } else if (block.kind == BlockKind::each_block) {
            const auto count = scope.item_count(block.list);
            for (std::size_t i = 0; i < count; ++i) {
                scope.enter(block.list, i);
                collect_missing(block.children, scope, missing);
                scope.leave();
            }
        }
    }
}

void check_one_of(const FieldDecl& decl, const std::string& label, const std::string& value,
                  std::vector<std::string>& wrong) {
    if (decl.one_of.empty() ||
        std::find(decl.one_of.begin(), decl.one_of.end(), trim(value)) != decl.one_of.end()) {
        return;
    }
    std::string allowed;
    for (const auto& choice : decl.one_of) {
        allowed += (allowed.empty() ? "" : "|") + choice;
    }
    wrong.push_back(label + " is '" + value + "' but must be one of " + allowed);
}

} // namespace

Status check_values(const Template& tmpl, const TemplateValues& values) {
    std::set<std::string> missing;
    std::vector<std::string> wrong;
    for (const auto& decl : tmpl.fields) {
        const auto ref = split_list_ref(decl.name);
        if (ref) {
            const auto list = values.lists.find(ref->list);
            if (list == values.lists.end()) {
                continue;
            }
            for (std::size_t i = 0; i < list->second.size(); ++i) {
                const auto label = ref->list + "[" + std::to_string(i + 1) + "]." + ref->key;
                const auto it = list->second[i].find(ref->key);
                if (it == list->second[i].end() || is_blank(it->second)) {
                    if (!decl.optional) {
                        missing.insert(label);
                    }
                } else {
                    check_one_of(decl, label, it->second, wrong);
                }
            }
            continue;
        }
        const auto it = values.fields.find(decl.name);
        if (it == values.fields.end() || is_blank(it->second)) {
            if (!decl.optional) {
                missing.insert(decl.name);
            }
        } else {
            check_one_of(decl, decl.name, it->second, wrong);
        }
    }
    for (const auto& list : tmpl.lists) {
        const auto given = values.lists.find(list.name);
        if (!list.optional && (given == values.lists.end() || given->second.empty())) {
            missing.insert(list.name + " (at least one entry)");
        }
    }
    // Builtins always resolve here; the renderer checks its own (a document id is required).
    ValueScope scope(tmpl, values,
                     {{std::string(builtin_template_name), tmpl.name},
                      {std::string(builtin_template_version), tmpl.version},
                      {std::string(builtin_document_id), "-"}});
    collect_missing(tmpl.body, scope, missing);

    if (missing.empty() && wrong.empty()) {
        return {};
    }
    std::string message = "template " + tmpl.name + " " + tmpl.version + ":";
    if (!missing.empty()) {
        message += " missing values:";
        bool first = true;
        for (const auto& name : missing) {
            message += (first ? " " : ", ") + name;
            first = false;
        }
        message += ";";
    }
    for (const auto& w : wrong) {
        message += " " + w + ";";
    }
    message.pop_back();
    return make_error(Errc::invalid_input, message);
}

std::string_view field_kind_name(FieldKind kind) {
    return enum_name(field_kind_names, kind);
}

std::optional<FieldKind> parse_field_kind(std::string_view name) {
    return enum_value(field_kind_names, name);
}

} // namespace kinvault::pdf
