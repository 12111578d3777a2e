// kv_bench_envelope_sign: per-signature latency through the daemon.
//
//   KINVAULT_PASSWORD=... kv_bench_envelope_sign --server URL --ca ROOT.pem --email CLINICIAN
//                         [--runs N] LABEL=FILE.pdf...
//
// Sets up one case with the clinician and an invited parent, then for each PDF and run: uploads it, creates
// an envelope with two routing groups (parent first, clinician last), sends it, and has each signer view the
// document, consent and sign. Only the POST /api/v1/envelopes/{env}/sign calls are timed, on kept-alive TLS
// connections (one per user), so handshakes and setup stay out of the numbers. The parent's signature is an
// ordinary one; the clinician's is the last, so its call also executes the envelope (certificate of
// completion and practice seal) and is reported on its own row. One warm-up envelope first: each user's first
// signature also generates their P-256 key and certificate, a one-off cost not repeated per signature.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace kinvault::bench {

namespace {

using Clock = std::chrono::steady_clock;

struct Reply {
    int status = 0;
    std::string body;
    std::string sha256;
};

// One user's kept-alive connection.
class Session {
public:
    Session(const Poco::URI& server, const Poco::Net::Context::Ptr& ctx)
        : m_http(server.getHost(), server.getPort(), ctx) {
        m_http.setKeepAlive(true);
        m_http.setTimeout(Poco::Timespan(300, 0));
    }

    void set_token(std::string token) { m_token = std::move(token); }

    Reply call(const std::string& method, const std::string& path, const std::string& body = "",
               const std::string& content_type = "application/json") {
        Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        req.setKeepAlive(true);
        req.set("User-Agent", "kv_bench_envelope_sign");
        if (!m_token.empty()) {
            req.set("Authorization", "Bearer " + m_token);
        }
        if (!body.empty() || method == "POST") {
            req.setContentType(content_type);
            req.setContentLength64(static_cast<Poco::Int64>(body.size()));
        }
        std::ostream& out = m_http.sendRequest(req);
        out.write(body.data(), static_cast<std::streamsize>(body.size()));
        Poco::Net::HTTPResponse resp;
        std::istream& in = m_http.receiveResponse(resp);
        Reply r;
        r.status = static_cast<int>(resp.getStatus());
        r.sha256 = resp.get("X-Kinvault-SHA256", "");
        Poco::StreamCopier::copyToString(in, r.body);
        return r;
    }

    Poco::JSON::Object::Ptr json(const std::string& method, const std::string& path,
                                 const std::string& body = "",
                                 const std::string& content_type = "application/json") {
        const Reply r = call(method, path, body, content_type);
        if (r.status < 200 || r.status >= 300) {
            throw std::runtime_error(method + " " + path + " answered " + std::to_string(r.status) + ": " +
                                     r.body);
        }
        if (r.body.empty()) {
            return new Poco::JSON::Object();
        }
        Poco::JSON::Parser p;
        const Poco::Dynamic::Var v = p.parse(r.body);
        if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
            Poco::JSON::Object::Ptr wrap = new Poco::JSON::Object();
            wrap->set("items", v);
            return wrap;
        }
        return v.extract<Poco::JSON::Object::Ptr>();
    }

private:
    Poco::Net::HTTPSClientSession m_http;
    std::string m_token;
};

std::string json_text(const Poco::JSON::Object::Ptr& o) {
    std::ostringstream s;
    o->stringify(s);
    return s.str();
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

struct Users {
    Session& clinician;
    Session& parent;
    std::string clinician_party;
    std::string parent_party;
    std::string password;
    std::string case_id;
};

struct SignTimes {
    double first_ms = 0;
    double last_ms = 0;
};

double timed_sign(Session& s, const std::string& env, const std::string& typed_name,
                  const std::string& password) {
    const std::string base = "/api/v1/envelopes/" + env;
    // The signer must have viewed the exact bytes and consented (ESIGN) before the act itself.
    const Reply viewed = s.call("GET", base + "/document");
    if (viewed.status != 200 || viewed.sha256.empty()) {
        throw std::runtime_error("viewing the envelope document answered " + std::to_string(viewed.status));
    }
    const auto disclosure = s.json("GET", "/api/v1/esign/disclosure");
    Poco::JSON::Object::Ptr consent = new Poco::JSON::Object();
    consent->set("disclosure_version", disclosure->getValue<std::string>("version"));
    consent->set("accept", true);
    s.json("POST", base + "/consent", json_text(consent));
    Poco::JSON::Object::Ptr act = new Poco::JSON::Object();
    act->set("viewed_sha256", viewed.sha256);
    act->set("intent", true);
    act->set("typed_signature", typed_name);
    act->set("password", password);
    const std::string body = json_text(act);
    const auto start = Clock::now();
    const Reply r = s.call("POST", base + "/sign", body);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (r.status != 200) {
        throw std::runtime_error("POST " + base + "/sign answered " + std::to_string(r.status) + ": " +
                                 r.body);
    }
    return ms;
}

SignTimes one_envelope(Users& u, const std::string& pdf, const std::string& label, int run) {
    const auto doc = u.clinician.json("POST",
                                      "/api/v1/cases/" + u.case_id + "/documents?type=other&title=" + label +
                                          "-run-" + std::to_string(run) + "&filename=bench.pdf",
                                      pdf, "application/pdf");
    Poco::JSON::Object::Ptr req = new Poco::JSON::Object();
    req->set("document", doc->getValue<std::string>("id"));
    req->set("title", "Benchmark " + label + " run " + std::to_string(run));
    Poco::JSON::Array::Ptr signers = new Poco::JSON::Array();
    Poco::JSON::Object::Ptr parent = new Poco::JSON::Object();
    parent->set("slot", "parent");
    parent->set("party", u.parent_party);
    parent->set("group", 1);
    signers->add(parent);
    Poco::JSON::Object::Ptr clinician = new Poco::JSON::Object();
    clinician->set("slot", "clinician");
    clinician->set("party", u.clinician_party);
    clinician->set("group", 2);
    signers->add(clinician);
    req->set("signers", signers);
    const auto env = u.clinician.json("POST", "/api/v1/cases/" + u.case_id + "/envelopes", json_text(req));
    const std::string id = env->getValue<std::string>("id");
    u.clinician.json("POST", "/api/v1/envelopes/" + id + "/send");
    SignTimes t;
    t.first_ms = timed_sign(u.parent, id, "Ana Bench", u.password);
    t.last_ms = timed_sign(u.clinician, id, "Clinician Bench", u.password);
    const auto done = u.clinician.json("GET", "/api/v1/envelopes/" + id);
    if (done->getValue<std::string>("state") != "completed") {
        throw std::runtime_error("envelope " + id + " did not complete");
    }
    return t;
}

int run(int argc, char** argv) {
    std::string server;
    std::string ca;
    std::string email;
    int runs = 7;
    std::vector<std::pair<std::string, std::string>> inputs;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--server" && i + 1 < argc) {
            server = argv[++i];
        } else if (a == "--ca" && i + 1 < argc) {
            ca = argv[++i];
        } else if (a == "--email" && i + 1 < argc) {
            email = argv[++i];
        } else if (a == "--runs" && i + 1 < argc) {
            runs = std::atoi(argv[++i]);
        } else if (a.find('=') != std::string::npos && a[0] != '-') {
            inputs.emplace_back(a.substr(0, a.find('=')), a.substr(a.find('=') + 1));
        } else {
            std::cerr
                << "usage: kv_bench_envelope_sign --server URL --ca ROOT.pem --email CLINICIAN [--runs N] "
                   "LABEL=FILE.pdf...\n";
            return 2;
        }
    }
    const char* pw = std::getenv("KINVAULT_PASSWORD");
    if (server.empty() || ca.empty() || email.empty() || inputs.empty() || runs < 1 || pw == nullptr) {
        std::cerr << "kv_bench_envelope_sign: --server, --ca, --email, at least one LABEL=FILE and "
                     "KINVAULT_PASSWORD are required\n";
        return 2;
    }
    const std::string password = pw;

    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    params.caLocation = ca;
    params.loadDefaultCAs = false;
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    const Poco::URI uri(server);
    Session clinician(uri, ctx);
    Session parent(uri, ctx);

    Poco::JSON::Object::Ptr login = new Poco::JSON::Object();
    login->set("email", email);
    login->set("password", password);
    // The sign call re-checks the password (Argon2id); a login does the same check, so its time is shown
    // beside the signature latency as the share spent on re-authentication.
    std::vector<double> login_ms;
    for (int i = 0; i < 3; ++i) {
        const auto start = Clock::now();
        const auto session = clinician.json("POST", "/api/v1/sessions", json_text(login));
        login_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        clinician.set_token(session->getValue<std::string>("token"));
    }
    Poco::JSON::Object::Ptr new_case = new Poco::JSON::Object();
    new_case->set("name", "Benchmark family");
    new_case->set("mode", "closed");
    const std::string case_id =
        clinician.json("POST", "/api/v1/cases", json_text(new_case))->getValue<std::string>("id");
    Poco::JSON::Object::Ptr invite = new Poco::JSON::Object();
    invite->set("role", "parent");
    invite->set("name", "Ana Bench");
    invite->set("email", "parent@bench.invalid");
    const auto inv = clinician.json("POST", "/api/v1/cases/" + case_id + "/parties", json_text(invite));
    Poco::JSON::Object::Ptr accept = new Poco::JSON::Object();
    accept->set("token", inv->getValue<std::string>("token"));
    accept->set("password", password);
    parent.set_token(
        parent.json("POST", "/api/v1/invitations/accept", json_text(accept))->getValue<std::string>("token"));

    Users u{clinician, parent, "", inv->getObject("party")->getValue<std::string>("id"), password, case_id};
    const auto parties = clinician.json("GET", "/api/v1/cases/" + case_id + "/parties");
    for (const auto& v : *parties->getArray("items")) {
        const auto p = v.extract<Poco::JSON::Object::Ptr>();
        if (p->getValue<std::string>("role") == "clinician") {
            u.clinician_party = p->getValue<std::string>("id");
        }
    }
    if (u.clinician_party.empty()) {
        throw std::runtime_error("the case has no clinician party");
    }

    const SignTimes warm = one_envelope(u, read_file(inputs.front().second), "warm-up", 0);
    std::printf("warm-up (each user's first signature also makes their P-256 key and certificate): "
                "%.1f ms, last %.1f ms\n\n",
                warm.first_ms, warm.last_ms);
    std::printf("%-10s %-42s %5s %10s %10s %10s\n", "document", "call", "runs", "median ms", "min ms",
                "max ms");
    for (const auto& [label, path] : inputs) {
        const std::string pdf = read_file(path);
        std::vector<double> first;
        std::vector<double> last;
        for (int r = 1; r <= runs; ++r) {
            const SignTimes t = one_envelope(u, pdf, label, r);
            first.push_back(t.first_ms);
            last.push_back(t.last_ms);
        }
        std::printf("%-10s %-42s %5d %10.1f %10.1f %10.1f\n", label.c_str(), "POST .../sign (signer 1 of 2)",
                    runs, median(first), *std::min_element(first.begin(), first.end()),
                    *std::max_element(first.begin(), first.end()));
        std::printf("%-10s %-42s %5d %10.1f %10.1f %10.1f\n", label.c_str(),
                    "POST .../sign (last: + completion, seal)", runs, median(last),
                    *std::min_element(last.begin(), last.end()), *std::max_element(last.begin(), last.end()));
    }
    std::printf("%-10s %-42s %5zu %10.1f %10.1f %10.1f\n", "-", "POST /api/v1/sessions (Argon2id check)",
                login_ms.size(), median(login_ms), *std::min_element(login_ms.begin(), login_ms.end()),
                *std::max_element(login_ms.begin(), login_ms.end()));
    return 0;
}

} // namespace

} // namespace kinvault::bench

int main(int argc, char** argv) {
    Poco::Net::initializeSSL();
    int rc = 1;
    try {
        rc = kinvault::bench::run(argc, argv);
    } catch (const Poco::Exception& e) {
        std::cerr << "kv_bench_envelope_sign: " << e.displayText() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "kv_bench_envelope_sign: " << e.what() << "\n";
    }
    Poco::Net::uninitializeSSL();
    return rc;
}
