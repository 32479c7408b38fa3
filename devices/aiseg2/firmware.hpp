// Firmware: the unit's firmware update, as the version screens drive it
// (DOMAIN R10-R13, manual p4-6): check (needs the cloud) -> latest or update
// available (release notes) -> download (checksum verified) -> install (up to
// about 30 minutes) -> completion -> reboot -> the new version runs.
//
// The unit keeps two firmware banks by default: a power cut during the
// install leaves the running bank intact, so the unit boots the previous
// version and reports the failed update, and a retry succeeds. In single-bank
// mode a cut during the install leaves the unit unbootable until recovered,
// for negative tests. Time comes from the Engine (30 minutes pass in
// milliseconds in virtual time); the cloud is reached only through a
// FirmwareSource (HTTP in the rig).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/core/engine.hpp"
#include "sim/core/result.hpp"

namespace hemsrig::aiseg2 {

using Bytes = std::vector<std::uint8_t>;

struct FirmwareRelease {
  std::string version;        // "Ver.2.97I-03"
  std::string release_notes;  // what the 更新内容 screen shows
  std::string url;            // where the image is downloaded from
  std::string sha256;         // hex of the image's SHA-256
};

// The cloud's firmware distribution as the unit sees it. Both calls answer
// through their callback, later, on the engine's thread; a cloud that cannot
// be reached answers the Error code "offline" (DOMAIN R10).
class FirmwareSource {
 public:
  virtual ~FirmwareSource() = default;
  virtual void latest(const std::string& model,
                      std::function<void(Result<FirmwareRelease>)> done) = 0;
  virtual void download(const FirmwareRelease& release,
                        std::function<void(Result<Bytes>)> done) = 0;
};

enum class FirmwareState {
  Idle,             // バージョン情報画面
  Checking,         // 確認中です。しばらくお待ちください。
  Latest,           // the running version is the latest
  UpdateAvailable,  // 更新するファームウェアがあります (release notes viewable)
  Downloading,
  Installing,  // 更新には最大約30分かかります
  Rebooting,   // 更新完了画面, then the unit restarts
  PoweredOff,
  Unbootable,  // single bank, cut during install: needs recovery
};
const char* to_string(FirmwareState s);

enum class BankMode { Dual, Single };

struct FirmwareOptions {
  sim::Duration install_time = std::chrono::minutes(30);  // DOMAIN R12: up to about 30 minutes
  sim::Duration reboot_time = std::chrono::minutes(2);  // "しばらくしてから" the screens come back
  BankMode banks = BankMode::Dual;
};

struct FirmwareEvent {
  enum class Kind {
    CheckFailed,
    Latest,
    UpdateAvailable,
    DownloadFailed,
    ChecksumMismatch,
    InstallStarted,
    Installed,
    ShuttingDown,
    Booted,
    UpdateFailed,
    Unbootable,
    Recovered
  };
  Kind kind;
  std::string version;  // the version concerned (booted, installed, available)
  std::string detail;   // why, for failures
};
const char* to_string(FirmwareEvent::Kind k);

class Firmware {
 public:
  using Listener = std::function<void(const FirmwareEvent&)>;

  Firmware(sim::Engine& engine, FirmwareSource& source, std::string model,
           std::string running_version, FirmwareOptions options = {});
  ~Firmware();
  Firmware(const Firmware&) = delete;
  Firmware& operator=(const Firmware&) = delete;

  // ファームウェア更新 -> はい. Refused unless idle or on a result screen.
  Status check();
  // 実行 -> はい on the update-available screen.
  Status install();
  // 了解 / 戻る: back to the version screen from a result.
  Status acknowledge();

  // Power. A cut in any phase abandons what was under way; restoring power
  // boots the unit (see the header comment for what each bank mode boots).
  void power_cut();
  void power_restore();
  // Single bank only: a service reflash of the running version.
  Status recover();

  FirmwareState state() const { return state_; }
  const std::string& running_version() const { return running_; }
  const std::optional<FirmwareRelease>& available() const { return available_; }
  // Why the last update failed, shown after the next boot; empty when none.
  const std::string& last_failure() const { return last_failure_; }
  // The screen's text, in the manual's words.
  std::string screen() const;

  void on_event(Listener listener) { listeners_.push_back(std::move(listener)); }

 private:
  void emit(FirmwareEvent::Kind kind, std::string version = {}, std::string detail = {});
  void begin_install();
  void finish_install();
  // Shuts the unit down (event ShuttingDown), then boots it.
  void reboot();
  // After reboot_time the installed version (if any) runs: boot().
  void start_booting();
  void boot();
  // Every callback and timer carries the generation it was started in: a
  // power cut bumps it, so work of a dead power cycle finds nothing to do.
  bool stale(std::uint64_t generation) const { return generation != generation_; }

  sim::Engine& engine_;
  FirmwareSource& source_;
  std::string model_;
  std::string running_;
  FirmwareOptions options_;
  FirmwareState state_ = FirmwareState::Idle;
  FirmwareState cut_in_ = FirmwareState::Idle;  // the phase a power cut interrupted
  std::optional<FirmwareRelease> available_;
  std::string installed_version_;  // written to the other bank, waiting for the reboot
  std::string last_failure_;
  std::string pending_failure_;  // reported when the unit has booted again
  std::string check_error_;      // why the last check failed (offline), for the screen
  std::uint64_t generation_ = 0;
  sim::TimerId timer_ = 0;
  std::vector<Listener> listeners_;
};

// Hex SHA-256 of `data` (lower case).
std::string sha256_hex(const Bytes& data);

}  // namespace hemsrig::aiseg2
