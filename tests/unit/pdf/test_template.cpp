#include "pdf/template.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

using namespace kinvault;
using namespace kinvault::pdf;

namespace {

std::filesystem::path template_dir() {
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path().parent_path() /
           "templates";
}

// A valid template to which a test appends the lines it is about.
std::string with_header(const std::string& body) {
    return "@template t\n"
           "@version 1\n"
           "@field case.name Case name\n"
           "@field mode one-of=open|closed Process mode\n"
           "@field note optional A note\n"
           "@list people Everyone\n"
           "@field people[].name A person's name\n"
           "@field people[].email optional A person's e-mail\n"
           "@signer parent_a First parent\n" +
           body;
}

// Lines the header above takes, so tests can name the line of the body they break.
constexpr int header_lines = 9;

std::string error_of(const std::string& text) {
    const auto parsed = parse_template(text, "t.kvt");
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code == Errc::invalid_input);
    return parsed.error().message;
}

std::string at_line(int body_line) {
    return "t.kvt:" + std::to_string(header_lines + body_line) + ": ";
}

TemplateValues complete_values() {
    TemplateValues v;
    v.fields["case.name"] = "Nguyễn / O'Brien-Núñez";
    v.fields["mode"] = "open";
    v.lists["people"] = {{{"name", "Nguyễn Thị Ánh"}}, {{"name", "Zoë O'Brien-Núñez"}}};
    return v;
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "kv-template-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary) << text;
    }
};

std::string read_text(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

} // namespace

TEST_CASE("a template parses into its declarations and layout blocks", "[template]") {
    const auto parsed = parse_template(with_header("@title Consent for {{case.name}}\n"
                                                   "First line of a paragraph\n"
                                                   "  joined with its continuation and **bold** text.\n"
                                                   "\n"
                                                   "- a bullet\n"
                                                   "2. a numbered item\n"
                                                   "@each people\n"
                                                   "@signature-block parent_a date=no\n"
                                                   "{{people[].name}}\n"
                                                   "@end\n"
                                                   "@end\n"),
                                       "t.kvt");
    REQUIRE(parsed.ok());
    const auto& t = *parsed;
    CHECK(t.name == "t");
    CHECK(t.version == "1");
    CHECK(t.fields.size() == 5);
    REQUIRE(t.find_field("mode") != nullptr);
    CHECK(t.find_field("mode")->one_of == std::vector<std::string>{"open", "closed"});
    CHECK(t.find_field("note")->optional);
    CHECK(t.find_list("people") != nullptr);
    CHECK(t.find_signer("parent_a") != nullptr);

    REQUIRE(t.body.size() == 5);
    CHECK(t.body[0].kind == BlockKind::title);
    CHECK(t.body[1].kind == BlockKind::paragraph);
    // Three parts: literal, bold toggle, ..., so the joined paragraph keeps its words in order.
    std::string joined;
    for (const auto& part : t.body[1].text) {
        joined += part.kind == TextPart::Kind::bold_toggle ? "|" : part.text;
    }
    CHECK(joined == "First line of a paragraph joined with its continuation and |bold| text.");
    CHECK(t.body[2].kind == BlockKind::bullet);
    CHECK(t.body[3].kind == BlockKind::numbered);
    CHECK(t.body[3].marker == "2.");
    REQUIRE(t.body[4].kind == BlockKind::each_block);
    REQUIRE(t.body[4].children.size() == 1);
    const auto& block = t.body[4].children[0];
    CHECK(block.kind == BlockKind::signature_block);
    CHECK_FALSE(block.with_date);
    REQUIRE(block.captions.size() == 1);
    CHECK(block.captions[0][0].kind == TextPart::Kind::field);
    CHECK(block.captions[0][0].text == "people[].name");
}

TEST_CASE("template parse errors name the line and what is wrong", "[template]") {
    SECTION("an unknown directive") {
        CHECK(error_of(with_header("text\n@headline Oops\n")) ==
              at_line(2) + "unknown directive @headline " +
                  "(templates/README.md lists them; write \\@ "
                  "for a literal @ at the start of a line)");
    }
    SECTION("a field that is not declared") {
        CHECK_THAT(error_of(with_header("Dear {{case.nmae}},\n")),
                   Catch::StartsWith(at_line(1) + "{{case.nmae}} is not declared"));
    }
    SECTION("a list entry's field outside its @each") {
        CHECK_THAT(
            error_of(with_header("{{people[].name}}\n")),
            Catch::StartsWith(at_line(1) + "{{people[].name}} can only be used inside '@each people'"));
    }
    SECTION("an @if that is never closed names the line it opened on") {
        CHECK(error_of(with_header("text\n@if note\nmore\n")) ==
              at_line(2) + "@if is never closed with @end");
    }
    SECTION("an @end without an opening directive") {
        CHECK_THAT(error_of(with_header("@end\n")),
                   Catch::StartsWith(at_line(1) + "@end without a matching"));
    }
    SECTION("an unclosed field reference") {
        CHECK(error_of(with_header("Dear {{case.name,\n")) == at_line(1) + "'{{' has no closing '}}'");
    }
    SECTION("bold text that is never closed") {
        CHECK(error_of(with_header("**Dear\n")) == at_line(1) + "'**' starts bold text that is never closed");
    }
    SECTION("a font size below the template's minimum") {
        CHECK(error_of("@template t\n@version 1\n@min-font-size 14\n@font-size 12\n") ==
              "t.kvt:4: @font-size 12 is below @min-font-size 14");
    }
    SECTION("a template without a name") {
        CHECK(error_of("@version 1\ntext\n") == "t.kvt:1: the template has no @template line naming it");
    }
    SECTION("a signer slot that is not declared") {
        CHECK_THAT(error_of(with_header("@signature parent_b\n")),
                   Catch::StartsWith(at_line(1) + "signer slot 'parent_b' is not declared"));
    }
    SECTION("a text field without a name") {
        CHECK_THAT(error_of(with_header("@text parent_a\n")),
                   Catch::StartsWith(at_line(1) + "@text needs a signer slot and a field name"));
    }
    SECTION("a malformed explicit position") {
        CHECK_THAT(error_of(with_header("@signature parent_a at=0,10,10\n")),
                   Catch::StartsWith(at_line(1) + "at= needs PAGE,X,Y"));
    }
    SECTION("a comparison with a value the field can never have") {
        CHECK(error_of(with_header("@if mode = opne\n@end\n")) ==
              at_line(1) + "@if compares mode with 'opne', which is not one of its values");
    }
    SECTION("a label on a field at a fixed position") {
        CHECK_THAT(error_of(with_header("@date parent_a at=1,10,10 label=\"Date\"\n")),
                   Catch::StartsWith(at_line(1) + "label= cannot be combined with at="));
    }
    SECTION("a directive inside a signature block") {
        CHECK_THAT(error_of(with_header("@signature-block parent_a\n@heading X\n@end\n")),
                   Catch::StartsWith(at_line(2) + "only caption lines and @end may follow @signature-block"));
    }
}

TEST_CASE("check_values names every missing value", "[template]") {
    const auto parsed = parse_template(with_header("{{case.name}}\n"
                                                   "@if mode = open\n"
                                                   "Open: {{note}}\n"
                                                   "@end\n"
                                                   "@each people\n"
                                                   "- {{people[].name}}\n"
                                                   "@end\n"),
                                       "t.kvt");
    REQUIRE(parsed.ok());
    const auto& t = *parsed;

    SECTION("complete values pass") {
        auto v = complete_values();
        v.fields["note"] = "a note";
        CHECK(check_values(t, v).ok());
    }
    SECTION("every missing top-level value and list entry field is named, entries counted from 1") {
        TemplateValues v;
        v.fields["mode"] = "closed";
        v.lists["people"] = {{{"name", "Zoë"}}, {{"email", "x@example.org"}}};
        const auto status = check_values(t, v);
        REQUIRE_FALSE(status.ok());
        CHECK(status.error().code == Errc::invalid_input);
        CHECK(status.error().message == "template t 1: missing values: case.name, people[2].name");
    }
    SECTION("a value of only white space counts as missing") {
        auto v = complete_values();
        v.fields["case.name"] = " \t\n";
        v.fields["note"] = "a note";
        CHECK(check_values(t, v).error().message == "template t 1: missing values: case.name");
    }
    SECTION("an optional value is still required where the chosen branch prints it") {
        auto v = complete_values();
        CHECK(check_values(t, v).error().message == "template t 1: missing values: note");
    }
    SECTION("an optional value the chosen branch does not print may be missing") {
        auto v = complete_values();
        v.fields["mode"] = "closed";
        CHECK(check_values(t, v).ok());
    }
    SECTION("a required list needs at least one entry") {
        auto v = complete_values();
        v.fields["note"] = "a note";
        v.lists["people"].clear();
        CHECK(check_values(t, v).error().message ==
              "template t 1: missing values: people (at least one entry)");
    }
    SECTION("a value outside its one-of choices is refused") {
        auto v = complete_values();
        v.fields["mode"] = "ajar";
        CHECK(check_values(t, v).error().message ==
              "template t 1: mode is 'ajar' but must be one of open|closed");
    }
}

TEST_CASE("conditions test presence and equality in the current list entry", "[template]") {
    const auto parsed = parse_template(with_header("x\n"), "t.kvt");
    REQUIRE(parsed.ok());
    auto v = complete_values();
    v.lists["people"][1]["email"] = "zoe@example.org";
    ValueScope scope(*parsed, v, {});

    CHECK(scope.test(Condition{"mode", Condition::Op::equals, "open"}));
    CHECK_FALSE(scope.test(Condition{"mode", Condition::Op::not_equals, "open"}));
    CHECK_FALSE(scope.test(Condition{"note", Condition::Op::present, {}}));
    CHECK(scope.test(Condition{"people", Condition::Op::present, {}}));
    scope.enter("people", 0);
    CHECK_FALSE(scope.test(Condition{"people[].email", Condition::Op::present, {}}));
    CHECK(scope.lookup("people[].#") == std::optional<std::string>("1"));
    scope.leave();
    scope.enter("people", 1);
    CHECK(scope.test(Condition{"people[].email", Condition::Op::present, {}}));
    CHECK(scope.describe("people[].name") == "people[2].name");
    scope.leave();
}

TEST_CASE("templates are read from a directory at run time", "[template]") {
    TempDir dir;
    dir.write("consent.kvt", "@template consent\n@version 4\n@description A consent\n@title Consent\n");
    dir.write("cover.kvt", "@template cover\n@version 1\nText\n");
    dir.write("notes.txt", "not a template");

    SECTION("a template added to the directory is found by name") {
        const auto loaded = load_template(dir.path, "consent");
        REQUIRE(loaded.ok());
        CHECK(loaded->version == "4");
        CHECK(loaded->description == "A consent");
    }
    SECTION("the listing holds every template, sorted by name, and nothing else") {
        const auto all = load_template_dir(dir.path);
        REQUIRE(all.ok());
        REQUIRE(all->size() == 2);
        CHECK((*all)[0].name == "consent");
        CHECK((*all)[1].name == "cover");
    }
    SECTION("an edited template is read again, not cached") {
        dir.write("consent.kvt", "@template consent\n@version 5\nText\n");
        CHECK(load_template(dir.path, "consent")->version == "5");
    }
    SECTION("a name that could leave the directory is refused") {
        CHECK(load_template(dir.path, "../consent").error().code == Errc::invalid_input);
        CHECK(load_template(dir.path, "Consent").error().code == Errc::invalid_input);
    }
    SECTION("an unknown name is not found") {
        CHECK(load_template(dir.path, "agreement").error().code == Errc::not_found);
    }
    SECTION("a file whose @template differs from its name is refused") {
        dir.write("other.kvt", "@template consent\n@version 1\n");
        CHECK_THAT(load_template(dir.path, "other").error().message,
                   Catch::Contains("@template consent does not match the file name"));
    }
    SECTION("a broken template fails the listing with its file and line") {
        dir.write("broken.kvt", "@template broken\n@version 1\n@frobnicate\n");
        const auto all = load_template_dir(dir.path);
        REQUIRE_FALSE(all.ok());
        CHECK_THAT(all.error().message, Catch::StartsWith("broken.kvt:3: unknown directive @frobnicate"));
    }
}

TEST_CASE("the shipped templates parse and templates/README.md documents all their fields", "[template]") {
    const auto all = load_template_dir(template_dir());
    REQUIRE(all.ok());
    std::vector<std::string> names;
    for (const auto& t : *all) {
        names.push_back(t.name);
    }
    CHECK(names == std::vector<std::string>{"certificate-of-completion", "clarification-letter-cover",
                                            "reunification-agreement", "roi"});

    const auto readme = read_text(template_dir() / "README.md");
    for (const auto& t : *all) {
        CHECK_THAT(readme, Catch::Contains("### " + t.name + " (version " + t.version + ")"));
        for (const auto& field : t.fields) {
            INFO(t.name << ": " << field.name);
            CHECK_THAT(readme, Catch::Contains("`" + field.name + "`"));
        }
        for (const auto& list : t.lists) {
            INFO(t.name << ": list " << list.name);
            CHECK_THAT(readme, Catch::Contains("`" + list.name + "` ("));
        }
        for (const auto& signer : t.signers) {
            INFO(t.name << ": signer " << signer.slot);
            CHECK_THAT(readme, Catch::Contains("`" + signer.slot + "`"));
        }
    }

    SECTION("the README's example is a valid template") {
        const auto start = readme.find("```\n@template example");
        REQUIRE(start != std::string::npos);
        const auto end = readme.find("```", start + 4);
        const auto example = parse_template(readme.substr(start + 4, end - start - 4), "example.kvt");
        INFO((example.ok() ? std::string{} : example.error().message));
        CHECK(example.ok());
    }
}
