#include "client/commands.h"
#include "client/output.h"

#include <iostream>

namespace kinvault::client {

namespace {

std::string human_size(long long bytes) {
    char buf[32];
    if (bytes >= 1 << 20) {
        std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / 1048576.0);
    } else if (bytes >= 1024) {
        std::snprintf(buf, sizeof buf, "%.1f KiB", static_cast<double>(bytes) / 1024.0);
    } else {
        std::snprintf(buf, sizeof buf, "%lld B", bytes);
    }
    return buf;
}

std::string base_name(const std::string& path) {
    const auto slash = path.find_last_of('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

void print_doc_table(const Poco::JSON::Array::Ptr& docs) {
    Table t({"ID", "TYPE", "TITLE", "VER", "PAGES", "SIZE", "STATE", "UPLOADED"});
    for (const auto& v : *docs) {
        const auto d = v.extract<Poco::JSON::Object::Ptr>();
        t.row({str(d, "id"), str(d, "type"), str(d, "title"), str(d, "version"), str(d, "pages"),
               human_size(d->optValue<long long>("size", 0)), str(d, "state"), str(d, "uploaded_at")});
    }
    t.print();
}

} // namespace

int cmd_doc_upload(Cli& cli, const UploadArgs& a) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    const std::string title = a.title.empty() ? base_name(a.file) : a.title;
    std::string path;
    if (!a.version_of.empty()) {
        path = "/api/v1/documents/" + url_encode(a.version_of) + "/versions?title=" + url_encode(title) +
               "&filename=" + url_encode(base_name(a.file));
    } else {
        path = "/api/v1/cases/" + url_encode(a.case_id) + "/documents?type=" + url_encode(a.type) +
               "&title=" + url_encode(title) + "&filename=" + url_encode(base_name(a.file));
    }
    auto d = api->upload(path, a.file);
    if (!d) {
        return report(d.error());
    }
    if (cli.globals.json) {
        print_json(*d);
    } else {
        std::cout << "Stored " << str(*d, "id") << " version " << str(*d, "version") << " ("
                  << str(*d, "pages") << " pages, " << human_size((*d)->optValue<long long>("size", 0))
                  << ", SHA-256 " << str(*d, "sha256") << ")\n";
    }
    return exit_ok;
}

int cmd_doc_list(Cli& cli, const std::string& case_id) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto r = api->call("GET", "/api/v1/cases/" + url_encode(case_id) + "/documents");
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(items(*r));
    } else {
        print_doc_table(items(*r));
    }
    return exit_ok;
}

int cmd_doc_show(Cli& cli, const std::string& doc_id) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto d = api->call("GET", "/api/v1/documents/" + url_encode(doc_id));
    if (!d) {
        return report(d.error());
    }
    if (cli.globals.json) {
        print_json(*d);
        return exit_ok;
    }
    for (const char* k : {"id", "case_id", "type", "state", "title", "filename", "version", "pages", "size",
                          "sha256", "uploaded_by", "uploaded_at", "access_rule", "access_basis"}) {
        const std::string v = str(*d, k);
        if (!v.empty()) {
            std::cout << k << std::string(14 - std::string(k).size(), ' ') << v << "\n";
        }
    }
    return exit_ok;
}

int cmd_doc_get(Cli& cli, const std::string& doc_id, const std::string& out,
                std::optional<long long> version) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    std::string path = "/api/v1/documents/" + url_encode(doc_id) + "/content";
    if (version) {
        path += "?version=" + std::to_string(*version);
    }
    auto info = api->download(path, out);
    if (!info) {
        return report(info.error());
    }
    if (cli.globals.json) {
        Poco::JSON::Object::Ptr o = new Poco::JSON::Object();
        o->set("file", out);
        o->set("size", static_cast<Poco::UInt64>(info->size));
        o->set("sha256", info->sha256);
        if (!info->obligations.empty()) {
            o->set("obligations", info->obligations);
        }
        print_json(o);
    } else {
        std::cout << "Saved " << out << " (" << human_size(static_cast<long long>(info->size)) << ", SHA-256 "
                  << info->sha256 << ")\n";
        if (!info->obligations.empty()) {
            std::cout << "Conditions of this release: " << info->obligations << "\n";
        }
    }
    return exit_ok;
}

int cmd_doc_versions(Cli& cli, const std::string& doc_id) {
    auto api = cli.api();
    if (!api) {
        return report(api.error());
    }
    auto r = api->call("GET", "/api/v1/documents/" + url_encode(doc_id) + "/versions");
    if (!r) {
        return report(r.error());
    }
    if (cli.globals.json) {
        print_json(items(*r));
    } else {
        print_doc_table(items(*r));
    }
    return exit_ok;
}

} // namespace kinvault::client
