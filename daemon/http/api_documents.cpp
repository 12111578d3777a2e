#include "http/api.h"
#include "http/exchange.h"
#include "http/json_views.h"

#include <Poco/JSON/Array.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>

namespace kinvault::http {

namespace {

// RFC 6266 section 4.3 / RFC 8187: an ASCII fallback plus the exact UTF-8 name.
std::string content_disposition(const std::string& filename) {
    std::string ascii;
    for (const char c : filename) {
        const auto u = static_cast<unsigned char>(c);
        ascii.push_back(u >= 0x20 && u < 0x7f && c != '"' && c != '\\' ? c : '_');
    }
    if (ascii.empty()) {
        ascii = "document.pdf";
    }
    std::string encoded;
    Poco::URI::encode(filename.empty() ? ascii : filename, "!#$&+,/:;=?@[]*'()\" %", encoded);
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

void receive_upload(Exchange& ex, services::Vault& vault, services::UploadRequest request) {
    const std::uint64_t limit = vault.limits().max_upload_bytes;
    if (ex.request.hasContentLength() && ex.request.getContentLength64() > static_cast<Poco::Int64>(limit)) {
        ex.response.setKeepAlive(false);
        ex.send_error(Errc::payload_too_large,
                      "The file is larger than the " + std::to_string(limit >> 20) + " MiB limit.");
        return;
    }
    auto upload = vault.begin_upload(ex.who(), request, ex.info());
    if (!upload) {
        ex.response.setKeepAlive(false);
        ex.send_error(upload.error());
        return;
    }
    std::istream& in = ex.request.stream();
    std::vector<char> buf(256 * 1024);
    while (true) {
        in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
        const std::streamsize n = in.gcount();
        if (n > 0) {
            Status st = (*upload)->write(reinterpret_cast<const std::uint8_t*>(buf.data()),
                                         static_cast<std::size_t>(n));
            if (!st) {
                // Stop reading: the rest of the body is not wanted, so the connection closes after the
                // answer.
                ex.response.setKeepAlive(false);
                ex.send_error(st.error());
                return;
            }
        }
        if (!in) {
            break;
        }
    }
    if (in.bad()) {
        ex.response.setKeepAlive(false);
        ex.send_error(Errc::invalid_input, "The upload was interrupted.");
        return;
    }
    auto doc = (*upload)->finish();
    if (!doc) {
        ex.send_error(doc.error());
        return;
    }
    ex.response.set("Location", "/api/v1/documents/" + doc->id);
    ex.send_json(201, to_json(*doc));
}

} // namespace

void Api::add_document_routes() {
    m_router.add("GET", "/api/v1/cases/{case}/documents", [this](Exchange& ex) {
        auto docs = m_s.vault.list(ex.who(), ex.param("case"), ex.info());
        if (!docs) {
            ex.send_error(docs.error());
            return;
        }
        Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
        for (const auto& d : *docs) {
            a->add(to_json(d));
        }
        ex.send_json(200, a);
    });

    m_router.add("POST", "/api/v1/cases/{case}/documents", [this](Exchange& ex) {
        services::UploadRequest r;
        r.case_id = ex.param("case");
        r.type = ex.query("type");
        r.title = ex.query("title");
        r.filename = ex.query("filename");
        receive_upload(ex, m_s.vault, r);
    });

    m_router.add("GET", "/api/v1/documents/{doc}", [this](Exchange& ex) {
        auto d = m_s.vault.get(ex.who(), ex.param("doc"), ex.info());
        if (!d) {
            ex.send_error(d.error());
            return;
        }
        ex.send_json(200, to_json(*d));
    });

    m_router.add("GET", "/api/v1/documents/{doc}/versions", [this](Exchange& ex) {
        auto versions = m_s.vault.versions(ex.who(), ex.param("doc"), ex.info());
        if (!versions) {
            ex.send_error(versions.error());
            return;
        }
        Poco::JSON::Array::Ptr a = new Poco::JSON::Array();
        for (const auto& d : *versions) {
            a->add(to_json(d));
        }
        ex.send_json(200, a);
    });

    m_router.add("POST", "/api/v1/documents/{doc}/versions", [this](Exchange& ex) {
        auto current = m_s.vault.get(ex.who(), ex.param("doc"), ex.info());
        if (!current) {
            ex.response.setKeepAlive(false);
            ex.send_error(current.error());
            return;
        }
        services::UploadRequest r;
        r.case_id = current->case_id;
        r.document_id = current->id;
        r.title = ex.query("title", current->title);
        r.filename = ex.query("filename", current->filename);
        receive_upload(ex, m_s.vault, r);
    });

    m_router.add("GET", "/api/v1/documents/{doc}/content", [this](Exchange& ex) {
        std::optional<std::int64_t> version;
        const std::string v = ex.query("version");
        if (!v.empty()) {
            try {
                version = std::stoll(v);
            } catch (const std::exception&) {
                ex.send_error(Errc::invalid_input, "version must be a number");
                return;
            }
        }
        auto opened = m_s.vault.open(ex.who(), ex.param("doc"), version, ex.info());
        if (!opened) {
            ex.send_error(opened.error());
            return;
        }
        ex.response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
        ex.response.setContentType("application/pdf");
        ex.response.setContentLength64(opened->view.size);
        ex.response.set("Content-Disposition", content_disposition(opened->view.filename));
        ex.response.set("X-Kinvault-SHA256", opened->view.sha256);
        ex.response.set("X-Kinvault-Version", std::to_string(opened->view.version));
        if (!opened->decision.obligations.empty()) {
            std::string joined;
            for (const auto& o : opened->decision.obligations) {
                joined += (joined.empty() ? "" : "; ") + o;
            }
            ex.response.set("X-Kinvault-Obligations", joined);
        }
        std::ostream& out = ex.response.send();
        out.flush();
        // Write the body straight to the TLS socket in large pieces: Poco's response stream would cut it into
        // 4 KiB records, which costs more than the decryption.
        Poco::Net::StreamSocket& socket = static_cast<Poco::Net::HTTPServerRequestImpl&>(ex.request).socket();
        Status st = m_s.vault.write_to(*opened, [&](const std::uint8_t* d, std::size_t n) {
            try {
                std::size_t sent = 0;
                while (sent < n) {
                    const int w = socket.sendBytes(
                        d + sent, static_cast<int>(std::min<std::size_t>(n - sent, 1 << 20)));
                    if (w <= 0) {
                        return false;
                    }
                    sent += static_cast<std::size_t>(w);
                }
                return true;
            } catch (const Poco::Exception&) {
                return false;
            }
        });
        if (!st) {
            // Headers are gone; the short body makes the client see a broken transfer rather than a bad file.
            ex.response.setKeepAlive(false);
            Poco::Logger::get("kinvault.http").error("document stream aborted: %s", st.error().message);
        }
        ex.mark_sent();
    });
}

} // namespace kinvault::http
