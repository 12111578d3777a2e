// The `kinvault` command line (issue 2 item 11): machine output with --json, readable tables by default,
// documented exit codes with a one-line reason, a private session file per user, progress bars for large
// transfers, and no way to pass a password as an argument.
#include "integration_util.h"

#include <algorithm>
#include <filesystem>
#include <sys/stat.h>

using namespace kvtest;

namespace {

constexpr const char* k_parent_email = "lea.martin@example.org";
constexpr const char* k_parent_password = "lea-password-5150";

struct CliWorld {
    Daemon daemon;
    TempDir homes{"kvcli"};
    CliUser clinician{homes.path() + "/clinician", k_clinician_password};
    std::string case_id;

    CliWorld() {
        const auto login =
            clinician.run({"--server", daemon.url(), "--ca", daemon.ca_path(), "login", k_clinician_email});
        INFO(login.out << login.err);
        REQUIRE(login.exit_code == 0);
        case_id = clinician.json({"case", "create", "Martin family"})
                      .extract<Poco::JSON::Object::Ptr>()
                      ->getValue<std::string>("id");
    }

    [[nodiscard]] std::string file(const std::string& name, const std::string& bytes) const {
        const std::string path = homes.path() + "/" + name;
        write_file(path, bytes);
        return path;
    }

    // A parent who joined through the CLI, driven from their own config directory.
    CliUser join_parent() const {
        const auto invited = clinician
                                 .json({"party", "invite", case_id, "--role", "parent", "--name",
                                        "Léa Martin", "--email", k_parent_email})
                                 .extract<Poco::JSON::Object::Ptr>();
        CliUser parent(homes.path() + "/parent", k_parent_password);
        const auto accepted =
            parent.run({"--ca", daemon.ca_path(), "invitation", "accept", field(invited, "link")});
        INFO(accepted.out << accepted.err);
        REQUIRE(accepted.exit_code == 0);
        return parent;
    }
};

// A failure is reported as exactly one line on stderr.
void check_one_line_reason(const ProcessResult& r) {
    INFO("stderr: " << r.err);
    CHECK(r.err.rfind("kinvault: ", 0) == 0);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

} // namespace

TEST_CASE("kinvault --json output parses for every verb of the foundation", "[integration][cli]") {
    CliWorld w;
    const std::string pdf = w.file("order.pdf", make_pdf("CLI-JSON", 2));
    CHECK(w.clinician.json({"whoami"}).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("email") ==
          k_clinician_email);
    CHECK(w.clinician.json({"case", "list"}).extract<Poco::JSON::Array::Ptr>()->size() == 1);
    CHECK(w.clinician.json({"case", "show", w.case_id})
              .extract<Poco::JSON::Object::Ptr>()
              ->getValue<std::string>("name") == "Martin family");
    const auto invited = w.clinician
                             .json({"party", "invite", w.case_id, "--role", "child", "--name", "Theo Martin",
                                    "--email", "theo@example.org", "--dob", "2015-04-02"})
                             .extract<Poco::JSON::Object::Ptr>();
    const std::string party_id = invited->getObject("party")->getValue<std::string>("id");
    CHECK(w.clinician.json({"party", "reinvite", party_id}).extract<Poco::JSON::Object::Ptr>()->has("link"));
    CHECK(w.clinician.json({"party", "list", w.case_id}).extract<Poco::JSON::Array::Ptr>()->size() == 2);
    const auto doc =
        w.clinician.json({"doc", "upload", w.case_id, "--type", "report", "--title", "Intake", pdf})
            .extract<Poco::JSON::Object::Ptr>();
    const std::string doc_id = doc->getValue<std::string>("id");
    CHECK(doc->getValue<int>("pages") == 2);
    CHECK(w.clinician.json({"doc", "list", w.case_id}).extract<Poco::JSON::Array::Ptr>()->size() == 1);
    CHECK(w.clinician.json({"doc", "show", doc_id})
              .extract<Poco::JSON::Object::Ptr>()
              ->getValue<std::string>("title") == "Intake");
    CHECK(w.clinician.json({"doc", "upload", w.case_id, "--version-of", doc_id, pdf})
              .extract<Poco::JSON::Object::Ptr>()
              ->getValue<int>("version") == 2);
    CHECK(w.clinician.json({"doc", "versions", doc_id}).extract<Poco::JSON::Array::Ptr>()->size() == 2);
    CHECK(w.clinician.json({"audit", "list"}).extract<Poco::JSON::Array::Ptr>()->size() > 5);
    CHECK(w.clinician.json({"audit", "verify"}).extract<Poco::JSON::Object::Ptr>()->getValue<bool>("ok"));
    const auto got = w.clinician.run({"--json", "doc", "get", doc_id, "-o", w.homes.path() + "/back.pdf"});
    CHECK(got.exit_code == 0);
    CHECK(read_file(w.homes.path() + "/back.pdf") == read_file(pdf));
}

TEST_CASE("kinvault prints readable tables by default", "[integration][cli]") {
    CliWorld w;
    SECTION("case list") {
        const auto r = w.clinician.run({"case", "list"});
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.rfind("ID", 0) == 0);
        const std::string header = r.out.substr(0, r.out.find('\n'));
        CHECK(header.find("NAME") != std::string::npos);
        CHECK(header.find("MODE") != std::string::npos);
        CHECK(r.out.find(w.case_id) != std::string::npos);
        CHECK(r.out.find("Martin family") != std::string::npos);
    }
    SECTION("doc list, with (none) for an empty case") {
        const auto empty = w.clinician.run({"doc", "list", w.case_id});
        REQUIRE(empty.exit_code == 0);
        CHECK(empty.out.find("(none)") != std::string::npos);
        REQUIRE(w.clinician
                    .run({"doc", "upload", w.case_id, "--type", "report", w.file("a.pdf", make_pdf("T", 1))})
                    .exit_code == 0);
        const auto r = w.clinician.run({"doc", "list", w.case_id});
        CHECK(r.out.rfind("ID", 0) == 0);
        CHECK(r.out.find("TITLE") != std::string::npos);
        CHECK(r.out.find("a.pdf") != std::string::npos);
    }
}

TEST_CASE("kinvault exit codes follow the documented table, with a one-line reason", "[integration][cli]") {
    CliWorld w;
    SECTION("0 when the command worked") {
        const auto r = w.clinician.run({"whoami"});
        CHECK(r.exit_code == 0);
        CHECK(r.err.empty());
    }
    SECTION("3 when nobody is signed in") {
        CliUser stranger(w.homes.path() + "/stranger", "whatever-password");
        const auto r =
            stranger.run({"--server", w.daemon.url(), "--ca", w.daemon.ca_path(), "doc", "list", w.case_id});
        CHECK(r.exit_code == 3);
        check_one_line_reason(r);
    }
    SECTION("3 for a wrong password") {
        CliUser stranger(w.homes.path() + "/stranger", "not-the-password");
        const auto r = stranger.run(
            {"--server", w.daemon.url(), "--ca", w.daemon.ca_path(), "login", k_clinician_email});
        CHECK(r.exit_code == 3);
        check_one_line_reason(r);
    }
    SECTION("3 after signing out") {
        REQUIRE(w.clinician.run({"logout"}).exit_code == 0);
        const auto r = w.clinician.run({"case", "list"});
        CHECK(r.exit_code == 3);
        check_one_line_reason(r);
    }
    SECTION("4 for a document that does not exist") {
        const auto r =
            w.clinician.run({"doc", "get", "doc_aaaaaaaaaaaaaaaa", "-o", w.homes.path() + "/x.pdf"});
        CHECK(r.exit_code == 4);
        check_one_line_reason(r);
        CHECK_FALSE(std::filesystem::exists(w.homes.path() + "/x.pdf"));
    }
    SECTION("4 for a case that does not exist") {
        const auto r = w.clinician.run({"case", "show", "case_aaaaaaaaaaaaaaaa"});
        CHECK(r.exit_code == 4);
        check_one_line_reason(r);
    }
    SECTION("7 when the server refuses the input") {
        const auto r = w.clinician.run(
            {"doc", "upload", w.case_id, "--type", "report", w.file("notes.txt", std::string(3000, 'n'))});
        CHECK(r.exit_code == 7);
        check_one_line_reason(r);
        CHECK(r.err.find("not a PDF") != std::string::npos);
    }
    SECTION("2 for a missing argument, an unknown option or a missing --type") {
        CHECK(w.clinician.run({"case", "create"}).exit_code == 2);
        CHECK(w.clinician.run({"case", "list", "--colour"}).exit_code == 2);
        CHECK(w.clinician.run({"frobnicate"}).exit_code == 2);
        const auto r = w.clinician.run({"doc", "upload", w.case_id, w.file("b.pdf", make_pdf("B", 1))});
        CHECK(r.exit_code == 2);
        check_one_line_reason(r);
    }
}

TEST_CASE("each user's session lives in a private file under their own XDG_CONFIG_HOME",
          "[integration][cli]") {
    CliWorld w;
    SECTION("the session file is 0600 in a 0700 directory") {
        struct stat dir {};
        struct stat file {};
        REQUIRE(::stat((w.clinician.home() + "/kinvault").c_str(), &dir) == 0);
        REQUIRE(::stat((w.clinician.home() + "/kinvault/profile.json").c_str(), &file) == 0);
        CHECK((dir.st_mode & 0777) == 0700);
        CHECK((file.st_mode & 0777) == 0600);
    }
    SECTION("two users are driven side by side without disturbing each other") {
        const CliUser parent = w.join_parent();
        const std::string parent_pdf = w.file("parent.pdf", make_pdf("PARENT-SIDE", 1));
        REQUIRE(parent.run({"doc", "upload", w.case_id, "--type", "court-order", parent_pdf}).exit_code == 0);
        REQUIRE(w.clinician
                    .run({"doc", "upload", w.case_id, "--type", "report", w.file("c.pdf", make_pdf("C", 1))})
                    .exit_code == 0);
        CHECK(parent.json({"whoami"}).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("email") ==
              k_parent_email);
        CHECK(
            w.clinician.json({"whoami"}).extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("email") ==
            k_clinician_email);
        CHECK(parent.json({"doc", "list", w.case_id}).extract<Poco::JSON::Array::Ptr>()->size() == 1);
        CHECK(w.clinician.json({"doc", "list", w.case_id}).extract<Poco::JSON::Array::Ptr>()->size() == 2);
    }
}

TEST_CASE("a transfer over 1 MiB shows a progress bar on stderr", "[integration][cli]") {
    CliWorld w;
    const std::string big = w.file("big.pdf", make_pdf_with_marker_at("PROGRESS", 1000, 3u << 20));
    SECTION("an upload with KINVAULT_PROGRESS=1") {
        const auto r = w.clinician.run({"doc", "upload", w.case_id, "--type", "report", big},
                                       {{"KINVAULT_PROGRESS", "1"}});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.find("upload [") != std::string::npos);
        CHECK(r.err.find("100%") != std::string::npos);
    }
    SECTION("a download with KINVAULT_PROGRESS=1") {
        const auto up = w.clinician.json({"doc", "upload", w.case_id, "--type", "report", big});
        const std::string id = up.extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("id");
        const auto r = w.clinician.run({"doc", "get", id, "-o", w.homes.path() + "/big-back.pdf"},
                                       {{"KINVAULT_PROGRESS", "1"}});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.find("download [") != std::string::npos);
        CHECK(r.err.find("100%") != std::string::npos);
    }
    SECTION("no progress bar when stderr is not a terminal and it was not asked for") {
        const auto r = w.clinician.run({"doc", "upload", w.case_id, "--type", "report", big});
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.empty());
    }
    SECTION("no progress bar for a small file") {
        const auto r = w.clinician.run(
            {"doc", "upload", w.case_id, "--type", "report", w.file("s.pdf", make_pdf("S", 1))},
            {{"KINVAULT_PROGRESS", "1"}});
        REQUIRE(r.exit_code == 0);
        CHECK(r.err.empty());
    }
}

TEST_CASE("a password is never accepted as a command-line argument", "[integration][cli]") {
    CliWorld w;
    SECTION("kinvault login has no password option") {
        CliUser other(w.homes.path() + "/other", "");
        const auto r = other.run({"--server", w.daemon.url(), "--ca", w.daemon.ca_path(), "login",
                                  k_clinician_email, "--password", k_clinician_password});
        CHECK(r.exit_code == 2);
        CHECK_FALSE(std::filesystem::exists(other.home() + "/kinvault/profile.json"));
        const auto help = other.run({"login", "--help"});
        CHECK(help.out.find("--password") == std::string::npos);
    }
    SECTION("kinvault invitation accept has no password option") {
        const auto help = w.clinician.run({"invitation", "accept", "--help"});
        CHECK(help.exit_code == 0);
        CHECK(help.out.find("--password") == std::string::npos);
        CHECK(w.clinician.run({"invitation", "accept", "x", "--password", "y"}).exit_code == 2);
    }
    SECTION("kinvaultd init has no password option") {
        // Everything else init needs is given, so only the password option could make it succeed.
        TempDir d("kvinit");
        const ProcessResult r = run_process_for(
            {bin_dir() + "/kinvaultd", "init", "--data", d.path() + "/data", "--admin-email", "a@example.org",
             "--password", "secret-password-1"},
            {{"KINVAULT_PASSWORD", ""}, {"KINVAULT_VAULT_PASSPHRASE", "a vault passphrase 123"}}, 30);
        INFO(r.out << r.err);
        CHECK(r.exit_code != 0);
        CHECK_FALSE(std::filesystem::exists(d.path() + "/data/keyring"));
    }
}
