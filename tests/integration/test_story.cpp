// The foundation story end to end through the CLI: a clinician opens a case, invites a parent, the parent
// joins and uploads a court order, and each sees exactly what the release gate allows.
#include "daemon.h"

#include <catch2/catch.hpp>

using namespace kvtest;

TEST_CASE("a clinician opens a case, a parent joins and documents go in and come out intact",
          "[integration][story]") {
    Daemon daemon;
    TempDir homes("kvhome");
    CliUser clinician(homes.path() + "/clinician", k_clinician_password);
    auto login =
        clinician.run({"--server", daemon.url(), "--ca", daemon.ca_path(), "login", k_clinician_email});
    INFO(login.out << login.err);
    REQUIRE(login.exit_code == 0);

    const auto created = clinician.json({"case", "create", "Rivera family", "--mode", "closed"});
    const std::string case_id = created.extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("id");

    const auto invited = clinician.json({"party", "invite", case_id, "--role", "parent", "--name",
                                         "Zoë O'Brien-Núñez", "--email", "zoe@example.org"});
    const std::string link = invited.extract<Poco::JSON::Object::Ptr>()->getValue<std::string>("link");
    REQUIRE(link.find("/invite#") != std::string::npos);

    CliUser parent(homes.path() + "/parent", "zoe-password-123");
    const auto accepted = parent.run({"--ca", daemon.ca_path(), "invitation", "accept", link});
    INFO(accepted.out << accepted.err);
    REQUIRE(accepted.exit_code == 0);

    SECTION("an invitation link works only once") {
        CliUser intruder(homes.path() + "/intruder", "intruder-password-1");
        const auto again = intruder.run({"--ca", daemon.ca_path(), "invitation", "accept", link});
        CHECK(again.exit_code != 0);
        CHECK(again.err.find("already been used") != std::string::npos);
    }

    SECTION("the parent's upload comes back byte for byte, to the parent and the clinician only") {
        const std::string pdf = make_pdf("COURT-ORDER-MARKER-7731", 2);
        write_file(homes.path() + "/order.pdf", pdf);
        const auto up =
            parent.json({"doc", "upload", case_id, "--type", "court-order", homes.path() + "/order.pdf"});
        const auto doc = up.extract<Poco::JSON::Object::Ptr>();
        CHECK(doc->getValue<int>("pages") == 2);
        const std::string doc_id = doc->getValue<std::string>("id");

        const auto got = clinician.run({"doc", "get", doc_id, "-o", homes.path() + "/back.pdf"});
        REQUIRE(got.exit_code == 0);
        CHECK(read_file(homes.path() + "/back.pdf") == pdf);

        const auto listed = clinician.json({"doc", "list", case_id}).extract<Poco::JSON::Array::Ptr>();
        CHECK(listed->size() == 1);
    }
}
