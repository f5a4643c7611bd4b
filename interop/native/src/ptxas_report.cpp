// ptxas_report.cpp: see ptxas_report.h.
#include "ptxas_report.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

namespace fr {
namespace {

// The number written right before `unit` in `line` ("40 registers" -> 40), or -1 when `unit` is absent.
int number_before(const std::string& line, const char* unit) {
    size_t at = line.find(unit);
    if (at == std::string::npos) return -1;
    size_t end = at;
    while (end > 0 && line[end - 1] == ' ') --end;
    size_t begin = end;
    while (begin > 0 && line[begin - 1] >= '0' && line[begin - 1] <= '9') --begin;
    if (begin == end) return -1;
    return std::atoi(line.substr(begin, end - begin).c_str());
}

// The text between the first pair of single quotes, or after `prefix` up to the end of the line.
std::string quoted_or_rest(const std::string& line, size_t after) {
    size_t open = line.find('\'', after);
    if (open != std::string::npos) {
        size_t close = line.find('\'', open + 1);
        if (close != std::string::npos) return line.substr(open + 1, close - open - 1);
    }
    std::string rest = line.substr(after);
    while (!rest.empty() && (rest.back() == ' ' || rest.back() == '\r')) rest.pop_back();
    while (!rest.empty() && rest.front() == ' ') rest.erase(rest.begin());
    return rest;
}

fr_kernel_report* find(std::vector<fr_kernel_report>& reports, const std::string& name) {
    for (fr_kernel_report& report : reports) {
        if (name == report.name) return &report;
    }
    return nullptr;
}

}  // namespace

std::vector<fr_kernel_report> parse_ptxas_report(const std::string& log) {
    static const char kEntry[] = "Compiling entry function";
    static const char kProperties[] = "Function properties for";

    std::vector<fr_kernel_report> reports;
    int outside_spill_stores = 0;
    int outside_spill_loads = 0;
    int current_entry = -1;  // index of the entry the next "Used N registers" line belongs to
    std::string properties_of;  // the function the next stack/spill line belongs to

    std::istringstream lines(log);
    std::string line;
    while (std::getline(lines, line)) {
        size_t at;
        if ((at = line.find(kEntry)) != std::string::npos) {
            std::string name = quoted_or_rest(line, at + sizeof kEntry - 1);
            fr_kernel_report report{};
            std::strncpy(report.name, name.c_str(), sizeof report.name - 1);
            reports.push_back(report);
            current_entry = static_cast<int>(reports.size()) - 1;
            properties_of.clear();
        } else if ((at = line.find(kProperties)) != std::string::npos) {
            properties_of = quoted_or_rest(line, at + sizeof kProperties - 1);
        } else if (line.find("bytes stack frame") != std::string::npos) {
            int stack = number_before(line, "bytes stack frame");
            int stores = number_before(line, "bytes spill stores");
            int loads = number_before(line, "bytes spill loads");
            if (fr_kernel_report* entry = find(reports, properties_of)) {
                entry->stack_bytes = stack > 0 ? stack : 0;
                entry->spill_store_bytes += stores > 0 ? stores : 0;
                entry->spill_load_bytes += loads > 0 ? loads : 0;
            } else {
                outside_spill_stores += stores > 0 ? stores : 0;
                outside_spill_loads += loads > 0 ? loads : 0;
            }
            properties_of.clear();
        } else if (current_entry >= 0 && line.find("Used ") != std::string::npos &&
                   line.find(" registers") != std::string::npos) {
            int registers = number_before(line, " registers");
            int shared = number_before(line, " bytes smem");
            reports[current_entry].registers = registers > 0 ? registers : 0;
            reports[current_entry].shared_bytes = shared > 0 ? shared : 0;
        }
    }
    for (fr_kernel_report& report : reports) {
        report.spill_store_bytes += outside_spill_stores;
        report.spill_load_bytes += outside_spill_loads;
    }
    return reports;
}

}  // namespace fr
