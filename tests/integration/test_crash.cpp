// Durability under crashes (issue 2 items 6 and 13, security.md "Durability"): kinvaultd is SIGKILLed at
// random moments while a thread uploads in a loop. After every restart the database passes
// integrity_check, every acknowledged (201) upload downloads with its SHA-256, every listed document is
// whole, no orphan blob is left, and the audit log is consistent with the checkpoint verified before.
#include "integration_util.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

using namespace kvtest;

namespace {

constexpr int k_cycles = 24;

struct Acknowledged {
    std::string id;
    std::string sha256;
};

} // namespace

TEST_CASE("after a SIGKILL at a random moment of an upload loop, every acknowledged upload is intact and no "
          "partial document is visible",
          "[integration][crash]") {
    const char* seed_env = std::getenv("KV_CRASH_SEED");
    const unsigned seed =
        seed_env != nullptr ? static_cast<unsigned>(std::stoul(seed_env)) : std::random_device{}();
    INFO("KV_CRASH_SEED=" << seed << " reproduces this run's kill moments and sizes");
    std::mt19937 rng(seed);

    Daemon daemon;
    Client clinician(daemon.url(), daemon.ca_path());
    clinician.login(k_clinician_email, k_clinician_password);
    const std::string token = clinician.token();
    const std::string case_id = create_case(clinician, "Crash family");
    TempDir home("kvcrash");
    CliUser auditor(home.path() + "/clinician", k_clinician_password);
    const auto login =
        auditor.run({"--server", daemon.url(), "--ca", daemon.ca_path(), "login", k_clinician_email});
    REQUIRE(login.exit_code == 0);

    std::vector<Acknowledged> acknowledged;
    std::mutex acknowledged_mutex;
    int kills_mid_upload = 0;

    for (int cycle = 0; cycle < k_cycles; ++cycle) {
        INFO("cycle " << cycle);
        // Documents for this cycle, made up front: Catch's assertions are for the main thread only.
        std::vector<std::string> pdfs;
        std::uniform_int_distribution<std::size_t> size(2'000, 300'000);
        for (int i = 0; i < 12; ++i) {
            pdfs.push_back(make_pdf_with_marker_at("CRASH-" + std::to_string(cycle) + "-" + std::to_string(i),
                                                   600, size(rng)));
        }
        Client uploader(daemon.url(), daemon.ca_path());
        uploader.set_token(token);
        std::atomic<int> in_flight{0};
        std::thread loop([&] {
            for (std::size_t i = 0;; ++i) {
                const std::string& pdf = pdfs[i % pdfs.size()];
                in_flight = 1;
                try {
                    const Response r = upload_document(uploader, case_id, "report", pdf, "crash test");
                    in_flight = 0;
                    if (r.status != 201) {
                        return;
                    }
                    std::lock_guard<std::mutex> lock(acknowledged_mutex);
                    acknowledged.push_back({r.json()->getValue<std::string>("id"), sha256_hex(pdf)});
                } catch (const std::exception&) {
                    return; // the daemon died under us
                }
            }
        });
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 700)(rng)));
        kills_mid_upload += in_flight.load();
        daemon.kill_hard();
        loop.join();

        CHECK(sqlite(daemon.data_dir() + "/kinvault.db", "PRAGMA integrity_check") == "ok\n");
        daemon.start();
        Client reader(daemon.url(), daemon.ca_path());
        reader.set_token(token);

        const auto listed = items_of(reader.get("/api/v1/cases/" + case_id + "/documents"));
        std::vector<std::string> listed_ids;
        for (const auto& v : *listed) {
            const auto d = v.extract<Poco::JSON::Object::Ptr>();
            listed_ids.push_back(field(d, "id"));
            const Response content = reader.get("/api/v1/documents/" + field(d, "id") + "/content");
            INFO("listed document " << field(d, "id"));
            CHECK(content.status == 200);
            CHECK(sha256_hex(content.body) == field(d, "sha256"));
            CHECK(content.body.size() == d->getValue<std::size_t>("size"));
        }
        for (const auto& a : acknowledged) {
            INFO("acknowledged document " << a.id);
            CHECK(contains(listed_ids, a.id));
            const Response content = reader.get("/api/v1/documents/" + a.id + "/content");
            CHECK(content.status == 200);
            CHECK(sha256_hex(content.body) == a.sha256);
        }
        // One version per document: exactly one blob each, and no temporary upload file survives a start.
        CHECK(blob_files(daemon.data_dir()).size() == listed_ids.size());
        CHECK(files_under(daemon.data_dir() + "/blobs/tmp").empty());

        const auto verified = auditor.run({"--server", daemon.url(), "audit", "verify"});
        INFO(verified.out << verified.err);
        CHECK(verified.exit_code == 0);
    }
    // The loop must really have exercised crashes during uploads, not only between them.
    CHECK(kills_mid_upload > 0);
    CHECK(acknowledged.size() >= 5);
}
