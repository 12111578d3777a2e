// The practice's document templates (.kvt files), read from their directory on every call so a practice
// edits them without restarting the daemon.
#pragma once

#include "common/result.h"
#include "pdf/template.h"

#include <string>
#include <vector>

namespace kinvault::services {

struct TemplateInfo {
    pdf::Template tmpl;
    std::string file;
};

class Templates {
public:
    explicit Templates(std::string directory);

    [[nodiscard]] Result<std::vector<TemplateInfo>> all() const;
    [[nodiscard]] Result<TemplateInfo> named(const std::string& name) const;
    // The template's source text, for the PDF worker to render.
    [[nodiscard]] Result<std::string> source(const TemplateInfo& info) const;

private:
    std::string m_directory;
};

} // namespace kinvault::services
