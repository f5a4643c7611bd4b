// test_unit.cpp: the parts that need neither NVRTC nor a driver: SHA-256, the ptxas report parser, the cache
// file format, status names, versions, the last error, the embedded sources, the memory-overlap test, the record of
// which memory holds a packed R.
#include "test_support.h"

#include "cublas_library.h"
#include "cubin_cache.h"
#include "embedded_kernels.h"
#include "errors.h"
#include "memory_overlap.h"
#include "packed_recurrent_registry.h"
#include "ptxas_report.h"
#include "sha256.h"

#include <algorithm>
#include <cstdlib>
#include <random>
#include <set>
#include <string>

namespace frtest_fixture {
extern const fr::EmbeddedKernelFile kEmbeddedKernelFiles[];
extern const int kEmbeddedKernelFileCount;
}  // namespace frtest_fixture

namespace frtest {
namespace {

std::string sha_hex(const std::string& text) { return fr::Sha256::hex(fr::Sha256::of(text.data(), text.size())); }

void test_sha256() {
    // FIPS 180-4 example vectors.
    CHECK(sha_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(sha_hex(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    // Fed in uneven pieces: the same digest.
    fr::Sha256 pieces;
    const std::string text(1000, 'x');
    for (size_t at = 0, step = 1; at < text.size(); at += step, step = step % 67 + 1) {
        pieces.update(text.data() + at, std::min(step, text.size() - at));
    }
    CHECK(fr::Sha256::hex(pieces.finish()) == sha_hex(text));
}

void test_ptxas_report() {
    const std::string log =
        "ptxas info    : 0 bytes gmem\n"
        "ptxas info    : Compiling entry function 'k2' for 'sm_80'\n"
        "ptxas info    : Function properties for k2\n"
        "ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads\n"
        "ptxas info    : Used 8 registers, 360 bytes cmem[0]\n"
        "ptxas info    : Compiling entry function 'k1' for 'sm_80'\n"
        "ptxas info    : Function properties for k1\n"
        "ptxas         .     256 bytes stack frame, 12 bytes spill stores, 16 bytes spill loads\n"
        "ptxas info    : Used 40 registers, used 1 barriers, 128 bytes smem, 360 bytes cmem[0]\n"
        "ptxas info    : Function properties for _Z1gPfi\n"
        "ptxas         .     0 bytes stack frame, 4 bytes spill stores, 8 bytes spill loads\n";
    const auto reports = fr::parse_ptxas_report(log);
    CHECK(reports.size() == 2);
    if (reports.size() != 2) return;
    CHECK(std::string(reports[0].name) == "k2");
    CHECK(reports[0].registers == 8);
    CHECK(reports[0].shared_bytes == 0);
    CHECK(reports[0].spill_store_bytes == 4);  // the out-of-line device function's spills count for every kernel
    CHECK(reports[0].spill_load_bytes == 8);
    CHECK(std::string(reports[1].name) == "k1");
    CHECK(reports[1].registers == 40);
    CHECK(reports[1].shared_bytes == 128);
    CHECK(reports[1].stack_bytes == 256);
    CHECK(reports[1].spill_store_bytes == 16);
    CHECK(reports[1].spill_load_bytes == 24);
    CHECK(fr::parse_ptxas_report("").empty());
    CHECK(fr::parse_ptxas_report("garbage\n\n Used registers\n").empty());
}

void test_cache_file_format() {
    fr::CachedCubin entry;
    entry.cubin = {'\x7f', 'E', 'L', 'F', '\0', '\1', '\2'};
    fr_kernel_report report{};
    std::strcpy(report.name, "fr_scan_forward");
    report.registers = 40;
    report.shared_bytes = 2304;
    entry.kernels.push_back(report);
    const std::string key(64, 'a');
    const std::string bytes = fr::encode_cache_file(key, entry);

    fr::CachedCubin decoded;
    std::string why;
    CHECK(fr::decode_cache_file(bytes, key, &decoded, &why));
    CHECK(decoded.cubin == entry.cubin);
    CHECK(decoded.kernels.size() == 1 && std::string(decoded.kernels[0].name) == "fr_scan_forward" &&
          decoded.kernels[0].registers == 40 && decoded.kernels[0].shared_bytes == 2304);

    CHECK(!fr::decode_cache_file(bytes.substr(0, bytes.size() - 1), key, &decoded, &why));  // truncated
    CHECK(why.find("truncated") != std::string::npos);
    CHECK(!fr::decode_cache_file(bytes + "x", key, &decoded, &why));                          // trailing bytes
    CHECK(!fr::decode_cache_file(bytes.substr(0, 20), key, &decoded, &why));                  // header cut
    CHECK(!fr::decode_cache_file("", key, &decoded, &why));
    CHECK(!fr::decode_cache_file(bytes, std::string(64, 'b'), &decoded, &why));               // other key
    CHECK(why.find("another key") != std::string::npos);
    for (size_t at : {size_t(0), size_t(9), size_t(100), bytes.size() - 1}) {
        std::string flipped = bytes;
        flipped[at] = static_cast<char>(flipped[at] ^ 0x40);
        CHECK(!fr::decode_cache_file(flipped, key, &decoded, &why));
    }
}

void test_status_names_and_versions() {
    const struct {
        fr_status status;
        const char* name;
    } names[] = {{FR_OK, "FR_OK"},
                 {FR_ERROR_INVALID_ARGUMENT, "FR_ERROR_INVALID_ARGUMENT"},
                 {FR_ERROR_NO_DRIVER, "FR_ERROR_NO_DRIVER"},
                 {FR_ERROR_NO_DEVICE, "FR_ERROR_NO_DEVICE"},
                 {FR_ERROR_NO_NVRTC, "FR_ERROR_NO_NVRTC"},
                 {FR_ERROR_COMPILE, "FR_ERROR_COMPILE"},
                 {FR_ERROR_CUDA, "FR_ERROR_CUDA"},
                 {FR_ERROR_UNSUPPORTED, "FR_ERROR_UNSUPPORTED"},
                 {FR_ERROR_OUT_OF_MEMORY, "FR_ERROR_OUT_OF_MEMORY"},
                 {FR_ERROR_CACHE, "FR_ERROR_CACHE"},
                 {FR_ERROR_INTERNAL, "FR_ERROR_INTERNAL"}};
    for (const auto& entry : names) CHECK(std::string(fr_status_name(entry.status)) == entry.name);
    // An unknown status value is checked from C (abi_c_test.c), where any int is a valid fr_status.
    CHECK(fr_abi_version() == FR_ABI_VERSION);
    CHECK(std::string(fr_version_string()).find("fastrecurrence ") == 0);
    CHECK(std::string(fr_version_string()).find("(abi 2)") != std::string::npos);
}

void test_last_error() {
    const char* name = nullptr;
    const char* text = nullptr;
    CHECK_FAILS(fr_kernel_source(-1, &name, &text), FR_ERROR_INVALID_ARGUMENT, "index: expected 0..");
    // Functions without a status leave the message alone, so a caller can map status -> name -> message.
    fr_status_name(FR_ERROR_INVALID_ARGUMENT);
    fr_abi_version();
    fr_kernel_source_count();
    CHECK(error_contains("index"));
    CHECK_STATUS(fr_kernel_source(0, &name, &text), FR_OK);
    CHECK(std::string(fr_last_error()).empty());
}

// An entry point that recovers from a failed step (fr_linear without cuBLAS runs our kernel) still leaves "" on success.
void test_success_leaves_no_message() {
    const fr_status status = fr::guarded([] {
        fr::fail(FR_ERROR_UNSUPPORTED, "no cuBLAS: a recovered step");
        return FR_OK;
    });
    CHECK(status == FR_OK);
    CHECK(std::string(fr_last_error()).empty());
    const fr_status failed = fr::guarded([] { return fr::fail(FR_ERROR_UNSUPPORTED, "kept: the call failed"); });
    CHECK(failed == FR_ERROR_UNSUPPORTED && error_contains("kept: the call failed"));
}

void test_embedded_sources() {
    const int count = fr_kernel_source_count();
    CHECK(count >= 2);  // at least fr_scan_args.h and the test source
    bool saw_args_header = false;
    bool saw_test_source = false;
    bool headers_started = false;
    bool sources_after_headers = false;
    for (int i = 0; i < count; ++i) {
        const char* name = nullptr;
        const char* text = nullptr;
        CHECK_STATUS(fr_kernel_source(i, &name, &text), FR_OK);
        if (name == nullptr || text == nullptr) continue;
        const std::string file = name;
        const bool header = file.size() > 2 && (file.compare(file.size() - 2, 2, ".h") == 0 ||
                                                 (file.size() > 4 && file.compare(file.size() - 4, 4, ".cuh") == 0));
        if (header) headers_started = true;
        if (!header && headers_started) sources_after_headers = true;
        if (file == "fr_scan_args.h") {
            saw_args_header = true;
            // Byte for byte what kernels/ holds: the raw-string chunks joined back.
            CHECK(std::string(text) == read_file(std::string(FR_TEST_KERNEL_DIR) + "/fr_scan_args.h"));
        }
        if (file == "scan") CHECK(std::string(text).find("fr_scan_forward") != std::string::npos);
        if (file == kTestSourceName) saw_test_source = true;
    }
    CHECK(saw_args_header);
    CHECK(saw_test_source);
    CHECK(!sources_after_headers);
}

std::string joined(const char* const* chunks) {
    std::string text;
    for (; *chunks != nullptr; ++chunks) text += *chunks;
    return text;
}

void test_embedding_round_trip() {
    // The fixture was embedded by the same CMake script as kernels/; every byte must survive.
    using frtest_fixture::kEmbeddedKernelFiles;
    CHECK(frtest_fixture::kEmbeddedKernelFileCount == 2);
    if (frtest_fixture::kEmbeddedKernelFileCount != 2) return;
    CHECK(std::string(kEmbeddedKernelFiles[0].name) == "fixture" && !kEmbeddedKernelFiles[0].is_header);
    CHECK(std::string(kEmbeddedKernelFiles[0].file_name) == "fixture.cu");
    CHECK(std::string(kEmbeddedKernelFiles[1].name) == "fixture_header.h" && kEmbeddedKernelFiles[1].is_header);
    const std::string text = joined(kEmbeddedKernelFiles[0].chunks);
    CHECK(text == read_file(std::string(FR_TEST_FIXTURE_DIR) + "/fixture.cu"));
    CHECK(text.size() > 64 * 1024);  // several chunks, past MSVC's limit for one literal
    int chunks = 0;
    for (const char* const* chunk = kEmbeddedKernelFiles[0].chunks; *chunk != nullptr; ++chunk) ++chunks;
    CHECK(chunks >= 9);
    CHECK(joined(kEmbeddedKernelFiles[1].chunks) == read_file(std::string(FR_TEST_FIXTURE_DIR) + "/fixture_header.h"));
}

void test_default_driver_probe() {
    // No override here: a GPU machine finds libcuda.so.1, this one reports it missing, by name.
    int count = -1;
    const fr_status status = fr_device_count(&count);
    CHECK(status == FR_OK || status == FR_ERROR_NO_DRIVER);
    if (status == FR_ERROR_NO_DRIVER) {
        CHECK(error_contains("libcuda.so.1"));
        CHECK(count == 0);
    }
}

void test_missing_cublas_is_named() {
    // The probe runs once per process; this group's process has not asked for cuBLAS before.
    setenv("FR_CUBLAS_LIBRARY", "/nonexistent/libcublas.so.12", 1);
    const fr::CublasLibrary* cublas = nullptr;
    CHECK_FAILS(fr::load_cublas(&cublas), FR_ERROR_UNSUPPORTED, "no cuBLAS: tried /nonexistent/libcublas.so.12");
    CHECK(cublas == nullptr);
    unsetenv("FR_CUBLAS_LIBRARY");
}

// Every byte a layout's elements touch, by enumeration.
std::set<uintptr_t> bytes_of(const fr::ByteLayout& layout) {
    std::set<uintptr_t> bytes;
    std::vector<int64_t> index(layout.dims.size(), 0);
    for (;;) {
        int64_t offset = 0;
        for (size_t k = 0; k < index.size(); ++k) offset += layout.dims[k].first * index[k];
        for (int64_t b = 0; b < layout.element_bytes; ++b) bytes.insert(layout.base + static_cast<uintptr_t>(offset + b));
        size_t k = 0;
        while (k < index.size() && ++index[k] == layout.dims[k].second) index[k++] = 0;
        if (k == index.size()) return bytes;
    }
}

// fr::overlap against enumeration on `trials` random pairs from `make`, both orders: how many pairs share a byte, and
// how many answers were wrong (the first few printed).
template <typename Make>
std::pair<int, int> overlap_against_enumeration(const char* what, int trials, Make make) {
    int shared = 0, mismatches = 0;
    for (int trial = 0; trial < trials; ++trial) {
        const fr::ByteLayout layouts[2] = {make(), make()};
        const std::set<uintptr_t> a = bytes_of(layouts[0]), b = bytes_of(layouts[1]);
        const bool expected = std::any_of(a.begin(), a.end(), [&](uintptr_t byte) { return b.count(byte) != 0; });
        shared += expected ? 1 : 0;
        for (int order = 0; order < 2; ++order) {
            if (fr::overlap(layouts[order], layouts[1 - order]) != (expected ? fr::Overlap::kShared : fr::Overlap::kDisjoint) &&
                ++mismatches <= 5) {
                std::fprintf(stderr, "overlap mismatch in %s trial %d (order %d): expected %s\n", what, trial, order,
                             expected ? "shared" : "disjoint");
            }
        }
    }
    return {shared, mismatches};
}

void test_memory_overlap() {
    using fr::ByteLayout;
    using fr::Overlap;
    std::mt19937_64 random(20261207);
    auto pick = [&](int64_t low, int64_t high) { return std::uniform_int_distribution<int64_t>(low, high)(random); };
    // small layouts of every kind (negative, zero and equal strides, self-overlapping ones, elements wider than the
    // strides)
    const auto small = overlap_against_enumeration("small", 20000, [&] {
        ByteLayout l{static_cast<uintptr_t>(1000 + pick(0, 48)), int64_t{1} << pick(0, 3), {}};
        const int64_t rank = pick(0, 3);
        for (int64_t k = 0; k < rank; ++k) l.dims.emplace_back(pick(-3, 12) * (pick(0, 1) ? l.element_bytes : 1), pick(1, 5));
        return l;
    });
    CHECK(small.second == 0);
    CHECK(small.first > 2000 && small.first < 18000);  // both answers well represented
    // longer dimensions (rank up to 4, a few hundred elements), where the equation at the leaves does the work
    const auto longer = overlap_against_enumeration("long", 3000, [&] {
        ByteLayout l{static_cast<uintptr_t>(100000 + pick(0, 400)), int64_t{1} << pick(0, 3), {}};
        int64_t elements = 1;
        const int64_t rank = pick(1, 4);
        for (int64_t k = 0; k < rank; ++k) {
            const int64_t extent = pick(1, std::max<int64_t>(1, 600 / elements));
            elements *= extent;
            l.dims.emplace_back(pick(-40, 300), extent);
        }
        return l;
    });
    CHECK(longer.second == 0);
    CHECK(longer.first > 300 && longer.first < 2700);

    // the layouts of the scan's in-place question: slices k of one [B, T, 2, H, D] float buffer, and big extents
    const int64_t B = 8, T = 16384, H = 12, D = 128;
    auto slice = [&](int64_t k) {
        return ByteLayout{uintptr_t{1} << 40 | static_cast<uintptr_t>(k * H * D * 4), 4,
                          {{T * 2 * H * D * 4, B}, {2 * H * D * 4, T}, {D * 4, H}, {4, D}}};
    };
    CHECK(fr::overlap(slice(0), slice(1)) == Overlap::kDisjoint);  // interleaved, no element in common
    CHECK(fr::overlap(slice(1), slice(1)) == Overlap::kShared);    // the same view: in place
    ByteLayout odd = slice(1), shifted = slice(0);
    odd.base += 2;  // misaligned by half an element: shares bytes with both neighbours
    CHECK(fr::overlap(odd, slice(1)) == Overlap::kShared);
    shifted.base += (2 * H * D - 1) * 4;  // slice 0 of the next step, less one element: its first element is slice 1's last
    CHECK(fr::overlap(shifted, slice(1)) == Overlap::kShared);
    ByteLayout evens{uintptr_t{1} << 40, 4, {{8, int64_t{1} << 40}}}, odds = evens;  // every other float of 8 TiB
    odds.base += 4;
    CHECK(fr::overlap(evens, odds) == Overlap::kDisjoint);  // the gcd settles it
    ByteLayout every_third_odd{(uintptr_t{1} << 40) + 4, 4, {{24, int64_t{1} << 20}}};  // search alone: past its budget
    CHECK(fr::overlap(evens, every_third_odd) == Overlap::kDisjoint);
    CHECK(fr::overlap(evens, ByteLayout{(uintptr_t{1} << 40) + 4 * 1001, 8, {}}) == Overlap::kShared);  // a double over both
    CHECK(fr::overlap(slice(1), slice(1), 0) == Overlap::kUndecided);  // past the budget: undecided, never a guess

    // views whose long dimensions interleave at unrelated strides (a review's cases, past the budget of a plain
    // enumeration): the two widest ranges are solved as an equation, so only the short dimensions are enumerated
    auto floats = [](uintptr_t base, std::vector<std::pair<int64_t, int64_t>> dims) {
        for (auto& dim : dims) dim.first *= 4;
        return ByteLayout{base, 4, dims};
    };
    const uintptr_t base = uintptr_t{1} << 40;
    const ByteLayout h1 = floats(base, {{39, 4}, {176, 3330}, {586736, 16}}), a1 = floats(base, {{1278721, 4}, {24, 3330}, {79920, 16}});
    CHECK(fr::overlap(h1, a1) == Overlap::kShared && fr::overlap(a1, h1) == Overlap::kShared);
    const ByteLayout h2 = floats(base, {{40, 13}, {520, 3660}, {1903200, 15}}),
                     a2 = floats(base + 1938 * 4, {{50, 13}, {680, 3660}, {2488801, 15}});
    CHECK(fr::overlap(h2, a2) == Overlap::kShared && fr::overlap(a2, h2) == Overlap::kShared);
    const ByteLayout p1 = floats(base, {{70001, 66000}}), p2 = floats(base + 4, {{70003, 66000}});
    CHECK(fr::overlap(p1, p2) == Overlap::kShared);  // 70001 * 35001 = 70003 * 35000 + 1
    CHECK(fr::overlap(p1, floats(base + 2, {{70003, 66000}})) == Overlap::kShared);  // half a float: bytes shared
    CHECK(fr::overlap(p1, floats(base + 4, {{70003, 35000}})) == Overlap::kDisjoint);  // the first solution needs j = 35000
    auto packed = [&](int64_t k, int64_t parts) {  // slice k of a [14, 9477, parts, 3, 2] float buffer
        return floats(base + static_cast<uintptr_t>(k * 3 * 2 * 4), {{9477 * parts * 6, 14}, {parts * 6, 9477}, {2, 3}, {1, 2}});
    };
    // a long byte range (a lengths array) against rows of a pitched view: more candidate sums than row elements
    const ByteLayout rows = floats(base, {{250000, 3}, {1, 1000}});  // 3 rows of 1000 floats, 1 MB apart
    CHECK(fr::overlap(ByteLayout{base + 4000, 1000000 - 4000, {}}, rows) == Overlap::kDisjoint);  // the gap after row 0
    CHECK(fr::overlap(ByteLayout{base + 3999, 400000, {}}, rows) == Overlap::kShared);  // row 0's last byte
    CHECK(fr::overlap(ByteLayout{base + 4000, 1000000 - 3999, {}}, rows) == Overlap::kShared);  // row 1's first byte
    // the two halves of one contiguous [1024, 512, 2, 4, 4, 512] float buffer (B, T, part, G, NH, D): nested strides,
    // three long dimensions; the leaves are the short-stride ones, so a few values per dimension suffice
    auto half = [&](int64_t k) {
        return floats(base + static_cast<uintptr_t>(k * 4 * 4 * 512 * 4),
                      {{512 * 2 * 4 * 4 * 512, 1024}, {2 * 4 * 4 * 512, 512}, {4 * 512, 4}, {512, 4}, {1, 512}});
    };
    CHECK(fr::overlap(half(0), half(1), 1000) == Overlap::kDisjoint && fr::overlap(half(1), half(0), 1000) == Overlap::kDisjoint);
    CHECK(fr::overlap(half(1), half(1), 1000) == Overlap::kShared);
    ByteLayout nudged = half(1);
    nudged.base -= 4;  // its first element is the last of half 0's first row
    CHECK(fr::overlap(half(0), nudged, 1000) == Overlap::kShared);
    CHECK(fr::overlap(packed(2, 4), packed(1, 2)) == Overlap::kDisjoint);
    CHECK(fr::overlap(packed(1, 4), packed(1, 2)) == Overlap::kShared);
}

// Which memory holds a packed R (fr_rnn_forward's check of a rank-1 r): exact ranges, layouts, overwrites, the bound.
void test_packed_recurrent_registry() {
    alignas(16) static unsigned char memory[1 << 16];
    unsigned char* const a = memory;
    const size_t before = fr::remembered_packed_recurrent_count();
    const std::string lstm = "LSTM fp32, warps 4", tf32 = "LSTM fp32 (tf32), warps 4";
    CHECK_FAILS(fr::check_packed_recurrent("r", a, 1024, lstm), FR_ERROR_INVALID_ARGUMENT, "r: a rank-1 (packed) R must be");
    fr::remember_packed_recurrent(a, 1024, lstm);
    CHECK_STATUS(fr::check_packed_recurrent("r", a, 1024, lstm), FR_OK);
    CHECK_FAILS(fr::check_packed_recurrent("r", a, 1024, tf32), FR_ERROR_INVALID_ARGUMENT,
                "r: packed for another layout (LSTM fp32, warps 4) than this plan's (LSTM fp32 (tf32), warps 4)");
    CHECK_FAILS(fr::check_packed_recurrent("r", a, 512, lstm), FR_ERROR_INVALID_ARGUMENT, "r: 1024 bytes were packed at");  // a prefix
    CHECK_FAILS(fr::check_packed_recurrent("r", a + 16, 1008, lstm), FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");

    // a write anywhere inside forgets the whole pack; a write beside it does not
    fr::forget_packed_recurrent(a + 1024, 64);
    CHECK_STATUS(fr::check_packed_recurrent("r", a, 1024, lstm), FR_OK);
    fr::forget_packed_recurrent(a + 1000, 1);
    CHECK_FAILS(fr::check_packed_recurrent("r", a, 1024, lstm), FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");

    // a pack over part of older ones replaces them; the last pack at an address decides its layout
    fr::remember_packed_recurrent(a, 1024, lstm);
    fr::remember_packed_recurrent(a + 1024, 1024, lstm);
    fr::remember_packed_recurrent(a + 512, 1024, tf32);
    CHECK_FAILS(fr::check_packed_recurrent("r", a, 1024, lstm), FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");
    CHECK_FAILS(fr::check_packed_recurrent("r", a + 1024, 1024, lstm), FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");
    CHECK_STATUS(fr::check_packed_recurrent("r", a + 512, 1024, tf32), FR_OK);
    fr::remember_packed_recurrent(a + 512, 1024, lstm);
    CHECK_FAILS(fr::check_packed_recurrent("r", a + 512, 1024, tf32), FR_ERROR_INVALID_ARGUMENT, "packed for another layout");
    CHECK(fr::remembered_packed_recurrent_count() == before + 1);

    // bounded: past 4096 packs the least recently packed or used is dropped (a forward on it asks for a new pack)
    for (size_t i = 0; i < 5000; ++i) fr::remember_packed_recurrent(memory + 2048 + i * 8, 8, lstm);
    CHECK(fr::remembered_packed_recurrent_count() == 4096);  // everything older went first, the a + 512 pack with it
    CHECK_FAILS(fr::check_packed_recurrent("r", a + 512, 1024, lstm), FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");
    CHECK_STATUS(fr::check_packed_recurrent("r", memory + 2048 + 4999 * 8, 8, lstm), FR_OK);
    const auto slot = [&](size_t i) { return memory + 2048 + i * 8; };
    CHECK_STATUS(fr::check_packed_recurrent("r", slot(904), 8, lstm), FR_OK);  // the oldest left, now used
    fr::remember_packed_recurrent(slot(5000), 8, lstm);
    fr::remember_packed_recurrent(slot(5001), 8, lstm);
    CHECK_STATUS(fr::check_packed_recurrent("r", slot(904), 8, lstm), FR_OK);  // a pack in use is kept
    CHECK_FAILS(fr::check_packed_recurrent("r", slot(905), 8, lstm), FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");
    CHECK_FAILS(fr::check_packed_recurrent("r", slot(906), 8, lstm), FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");
    CHECK_STATUS(fr::check_packed_recurrent("r", slot(907), 8, lstm), FR_OK);
    fr::forget_packed_recurrent(memory, sizeof memory);
    CHECK(fr::remembered_packed_recurrent_count() == 0);
    // a range that would wrap the address space is clamped, not wrapped
    fr::remember_packed_recurrent(a, SIZE_MAX, lstm);
    CHECK_STATUS(fr::check_packed_recurrent("r", a, SIZE_MAX, lstm), FR_OK);
    fr::forget_packed_recurrent(a, SIZE_MAX);
    CHECK_FAILS(fr::check_packed_recurrent("r", a, SIZE_MAX, lstm), FR_ERROR_INVALID_ARGUMENT, "nothing was packed at");
}

}  // namespace

int run_unit_tests() {
    test_sha256();
    test_ptxas_report();
    test_cache_file_format();
    test_status_names_and_versions();
    test_last_error();
    test_success_leaves_no_message();
    test_embedded_sources();
    test_embedding_round_trip();
    test_default_driver_probe();
    test_missing_cublas_is_named();
    test_memory_overlap();
    test_packed_recurrent_registry();
    return 0;
}

}  // namespace frtest
