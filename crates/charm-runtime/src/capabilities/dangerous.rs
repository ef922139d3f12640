//! Grants that amount to root: the host refuses them unless the grant says `dangerous: true`,
//! and `charm-host check` lists them. The README publishes these tables; each entry has a
//! test of its own (generated with the table).

/// A place on the machine where writing (and for some, reading) amounts to root.
#[derive(Debug)]
pub struct DangerousPath {
    /// The path; a last component ending in `*` covers every name it starts.
    pub path: &'static str,
    /// Reading it is dangerous too (secrets, kernel interfaces).
    pub read: bool,
    /// Why.
    pub why: &'static str,
    /// Its test (in `path_tests`).
    pub test: &'static str,
}

/// A program that runs arbitrary code (always), or does with arguments the charm chooses.
#[derive(Debug)]
pub struct DangerousProgram {
    /// Its name once resolved (symlinks followed); a trailing `*` covers every name it starts
    /// (`python*` covers `python3.12`).
    pub name: &'static str,
    /// Dangerous only when an argument is not a literal of the grant.
    pub free_arguments_only: bool,
    /// Why.
    pub why: &'static str,
    /// Its test (in `program_tests`).
    pub test: &'static str,
}

macro_rules! dangerous_paths {
    ($($test:ident: $path:literal, $read:literal, $why:literal;)*) => {
        /// Places where a write grant (and a read grant, where `read`) needs `dangerous: true`.
        pub const PATHS: &[DangerousPath] = &[
            $(DangerousPath { path: $path, read: $read, why: $why, test: stringify!($test) },)*
        ];

        #[cfg(test)]
        mod path_tests {
            $(
                #[test]
                fn $test() {
                    super::tests::refused_unless_marked_dangerous_path($path, $read);
                }
            )*
        }
    };
}

/// A service whose control amounts to root, or to cutting the operator off.
#[derive(Debug)]
pub struct DangerousService {
    /// The unit's name without `.service`; a `*` covers any run of characters.
    pub name: &'static str,
    /// Why.
    pub why: &'static str,
    /// Its test (in `service_tests`).
    pub test: &'static str,
}

macro_rules! dangerous_services {
    ($($test:ident: $name:literal, $why:literal;)*) => {
        /// systemd units whose service grants need `dangerous: true`.
        pub const SERVICES: &[DangerousService] = &[
            $(DangerousService { name: $name, why: $why, test: stringify!($test) },)*
        ];

        #[cfg(test)]
        mod service_tests {
            $(
                #[test]
                fn $test() {
                    super::tests::refused_unless_marked_dangerous_service($name);
                }
            )*
        }
    };
}

macro_rules! dangerous_programs {
    ($($test:ident: $name:literal, $free:literal, $why:literal;)*) => {
        /// Programs whose command grants need `dangerous: true` (with `free_arguments_only`,
        /// only when an argument is a placeholder or pattern).
        pub const PROGRAMS: &[DangerousProgram] = &[
            $(DangerousProgram { name: $name, free_arguments_only: $free, why: $why, test: stringify!($test) },)*
        ];

        #[cfg(test)]
        mod program_tests {
            $(
                #[test]
                fn $test() {
                    super::tests::refused_unless_marked_dangerous_program($name, $free);
                }
            )*
        }
    };
}

dangerous_paths! {
    writing_etc_systemd: "/etc/systemd", false, "unit files run anything as root";
    writing_lib_systemd: "/usr/lib/systemd", false, "unit files and generators run anything as root";
    writing_run: "/run", true, "runtime state of root's daemons, unit files, sockets and credentials";
    writing_init_scripts: "/etc/init*", false, "init scripts run as root";
    writing_rc_scripts: "/etc/rc*", false, "boot scripts run as root (rc.local, rc?.d)";
    writing_etc_sudo: "/etc/sudo*", false, "sudo rules and plugins grant root";
    writing_etc_cron: "/etc/cron*", false, "cron jobs run as root";
    writing_anacrontab: "/etc/anacrontab", false, "scheduled jobs run as root";
    writing_var_spool_cron: "/var/spool/cron", false, "cron and at jobs run as root";
    writing_accounts: "/etc/passwd*", false, "accounts: a uid 0 user";
    writing_groups: "/etc/group*", false, "groups: membership of sudo or root";
    reading_shadow: "/etc/shadow*", true, "password hashes (and their backups)";
    reading_gshadow: "/etc/gshadow*", true, "group password hashes (and their backups)";
    reading_backups: "/var/backups", true, "copies of the account and password files";
    reading_root_home: "/root", true, "root's home: keys, shell start-up files";
    reading_homes: "/home", true, "users' keys and start-up files (a cloud image's default user has sudo)";
    reading_ssh: "/etc/ssh", true, "sshd configuration and the host's private keys";
    writing_pam: "/etc/pam.d", false, "authentication without a password";
    writing_security: "/etc/security", false, "authentication and limits configuration";
    writing_ld_so: "/etc/ld.so*", false, "a library loaded into every program, set-id ones too";
    writing_profile: "/etc/profile*", false, "code in root's login shells";
    writing_bashrc: "/etc/bash*", false, "code in root's shells";
    writing_environment: "/etc/environment", false, "environment (LD_PRELOAD, PATH) of every login";
    writing_default: "/etc/default", false, "environment and options of system services";
    writing_nsswitch: "/etc/nsswitch.conf", false, "libraries loaded into every program";
    writing_name_resolution: "/etc/hosts", false, "where every name resolves: a granted name could lead anywhere";
    writing_resolver: "/etc/resolv.conf", false, "which server answers every name";
    writing_modules: "/etc/modprobe.d", false, "kernel modules and commands run at load";
    writing_modules_load: "/etc/modules*", false, "kernel modules loaded at boot";
    writing_sysctl: "/etc/sysctl*", false, "kernel parameters such as core_pattern, which runs a program";
    writing_tmpfiles: "/etc/tmpfiles.d", false, "files and links made as root at boot";
    writing_binfmt: "/etc/binfmt.d", false, "interpreters the kernel runs for file formats";
    writing_udev: "/etc/udev", false, "udev rules run programs as root";
    writing_apt: "/etc/apt", false, "package sources and hooks run as root";
    writing_dpkg: "/var/lib/dpkg", false, "package maintainer scripts run as root";
    writing_snapd: "/var/lib/snapd", false, "snapd's state";
    writing_cloud_init: "/var/lib/cloud", false, "cloud-init's scripts run as root at boot";
    writing_logrotate: "/etc/logrotate*", false, "scripts run as root";
    writing_rsyslog: "/etc/rsyslog*", false, "program outputs run as root";
    writing_motd: "/etc/update-motd.d", false, "scripts run as root at every login";
    writing_polkit: "/etc/polkit-1", false, "privilege policy";
    writing_dbus: "/etc/dbus-1", false, "bus policy";
    writing_apparmor: "/etc/apparmor*", false, "mandatory access control off";
    writing_fstab: "/etc/fstab", false, "file systems mounted at boot, set-id and devices allowed";
    reading_certificates: "/etc/ssl", true, "private keys, and trust anchors for every TLS client, Juju's agent too";
    reading_letsencrypt: "/etc/letsencrypt", true, "certificates' private keys";
    writing_gitconfig: "/etc/gitconfig", false, "commands git runs for every user";
    writing_python_config: "/etc/python*", false, "code every Python program runs";
    writing_needrestart: "/etc/needrestart", false, "code run as root after upgrades";
    writing_kernel_hooks: "/etc/kernel", false, "scripts run as root when kernels change";
    writing_initramfs: "/etc/initramfs-tools", false, "code in the early boot image";
    writing_boot: "/boot", false, "the kernel and the boot loader";
    reading_dev: "/dev", true, "raw disks and memory";
    reading_proc: "/proc", true, "kernel interfaces, every process's environment";
    reading_sys: "/sys", true, "kernel interfaces";
    reading_var_lib_juju: "/var/lib/juju", true, "the unit agent's credentials and other charms";
    writing_usr_bin: "/usr/bin", false, "programs root runs";
    writing_usr_sbin: "/usr/sbin", false, "programs root runs";
    writing_usr_lib: "/usr/lib*", false, "libraries and helpers root's programs load (lib, lib64, libexec)";
    writing_usr_local: "/usr/local", false, "programs found before /usr/bin on root's PATH";
    writing_bin: "/bin", false, "programs root runs";
    writing_sbin: "/sbin", false, "programs root runs";
    writing_lib: "/lib*", false, "libraries root's programs load";
}

dangerous_programs! {
    running_sh: "sh", false, "a shell: -c runs anything";
    running_bash: "bash", false, "a shell: -c runs anything";
    running_dash: "dash", false, "a shell: -c runs anything";
    running_zsh: "zsh", false, "a shell: -c runs anything";
    running_ksh: "ksh", false, "a shell: -c runs anything";
    running_fish: "fish", false, "a shell: -c runs anything";
    running_csh: "csh", false, "a shell: -c runs anything";
    running_tcsh: "tcsh", false, "a shell: -c runs anything";
    running_busybox: "busybox", false, "runs a shell (busybox sh)";
    running_python: "python*", false, "an interpreter: -c runs anything";
    running_perl: "perl*", false, "an interpreter: -e runs anything";
    running_ruby: "ruby*", false, "an interpreter: -e runs anything";
    running_node: "node*", false, "an interpreter: -e runs anything";
    running_php: "php*", false, "an interpreter: -r runs anything";
    running_lua: "lua*", false, "an interpreter: -e runs anything";
    running_awk: "*awk", false, "its program text runs commands (system())";
    running_loader: "ld-linux*", false, "the dynamic loader runs any program";
    running_env: "env", false, "runs its arguments as a command";
    running_sudo: "sudo", false, "runs commands as any user";
    running_su: "su", false, "runs commands as any user";
    running_doas: "doas", false, "runs commands as any user";
    running_pkexec: "pkexec", false, "runs commands as any user";
    running_runuser: "runuser", false, "runs commands as any user";
    running_setpriv: "setpriv", false, "runs a command with other privileges";
    running_systemd_run: "systemd-run", false, "runs any command as a root service";
    running_nspawn: "systemd-nspawn", false, "runs a command in a container";
    running_nsenter: "nsenter", false, "runs a command in another namespace";
    running_unshare: "unshare", false, "runs a command in new namespaces";
    running_chroot: "chroot", false, "runs a command";
    running_nice: "nice", false, "runs its arguments as a command";
    running_ionice: "ionice", false, "runs its arguments as a command";
    running_timeout: "timeout", false, "runs its arguments as a command";
    running_nohup: "nohup", false, "runs its arguments as a command";
    running_setsid: "setsid", false, "runs its arguments as a command, outside the host's reach";
    running_stdbuf: "stdbuf", false, "runs its arguments as a command";
    running_flock: "flock", false, "runs its arguments as a command";
    running_script: "script", false, "runs a shell";
    running_run_parts: "run-parts", false, "runs every program in a directory";
    running_start_stop_daemon: "start-stop-daemon", false, "runs a program as a daemon";
    running_watch: "watch", false, "runs its arguments as a command";
    running_gdb: "gdb", false, "runs code in any process";
    running_strace: "strace", false, "runs its arguments as a command";
    running_systemctl: "systemctl", false, "controls every service (grant services instead)";
    running_snap: "snap", false, "installs and controls snaps (grant services instead)";
    running_apt: "apt*", false, "package hooks run commands";
    running_dpkg: "dpkg", false, "maintainer scripts run commands";
    running_pip: "pip*", false, "installs and runs packages' code";
    running_make: "make", false, "its makefile runs commands";
    running_crontab: "crontab", false, "schedules commands read from stdin";
    running_at: "at", false, "schedules commands read from stdin";
    running_chpasswd: "chpasswd", false, "sets any user's password from stdin";
    running_user_admin: "user*", false, "adds and changes accounts (useradd, usermod)";
    running_passwd: "passwd", false, "changes passwords";
    running_visudo: "visudo", false, "edits sudo rules";
    running_mount: "mount", false, "mounts file systems";
    running_modprobe: "modprobe", false, "loads kernel modules";
    running_insmod: "insmod", false, "loads kernel modules";
    running_psql: "psql", false, "its \\! command runs a shell, and it reads commands on stdin";
    running_mysql: "mysql", false, "its system command runs a shell";
    running_mariadb: "mariadb", false, "its system command runs a shell";
    running_sqlite: "sqlite3", false, "its .shell command runs a shell";
    running_ed: "ed", false, "its ! command runs a shell";
    running_vi: "vi*", false, "its :! command runs a shell";
    running_less: "less", false, "its ! command runs a shell";
    running_more: "more", false, "its ! command runs a shell";
    running_man: "man", false, "runs a pager";
    running_journalctl: "journalctl", false, "runs a pager, and reads every log";
    running_ssh: "ssh", false, "ProxyCommand runs commands; reaches any address";
    running_scp: "scp", false, "runs ssh, which runs commands";
    running_docker: "docker", false, "a container with the host's root";
    running_podman: "podman", false, "a container with the host's root";
    running_kubectl: "kubectl", false, "controls a cluster";
    running_find: "find", true, "-exec runs commands, -fprint writes any file";
    running_tar: "tar", true, "--to-command and --checkpoint-action run commands";
    running_xargs: "xargs", true, "runs its arguments as a command";
    running_rsync: "rsync", true, "-e runs a command";
    running_git: "git", true, "-c core.sshCommand= runs a command";
    running_sed: "sed", true, "the e command runs commands, w writes any file";
    running_cp: "cp", true, "as root, overwrites any file";
    running_mv: "mv", true, "as root, replaces any file";
    running_install: "install", true, "as root, writes any file with any mode";
    running_ln: "ln", true, "as root, links any file anywhere";
    running_tee: "tee", true, "as root, writes any file";
    running_dd: "dd", true, "as root, writes any file or disk";
    running_truncate: "truncate", true, "as root, empties any file";
    running_chmod: "chmod", true, "as root, opens any file";
    running_chown: "chown", true, "as root, gives away any file";
    running_rm: "rm", true, "as root, deletes any file";
    running_curl: "curl", true, "writes any file, reaches any address";
    running_wget: "wget", true, "writes any file, reaches any address";
}

dangerous_services! {
    controlling_juju: "jujud*", "the unit agent itself";
    controlling_ssh: "ssh*", "the operator's way in";
    controlling_systemd: "systemd-*", "systemd's own services (journal, resolver, logins, networking)";
    controlling_debug_shell: "debug-shell", "a root shell on a console, no password";
    controlling_emergency: "emergency", "a root shell on the console";
    controlling_rescue: "rescue", "a root shell on the console";
    controlling_getty: "*getty*", "logins on consoles";
    controlling_dbus: "dbus*", "the system bus every service relies on";
    controlling_snapd: "snapd*", "snapd, which runs every snap";
    controlling_cron: "cron", "scheduled jobs";
    controlling_polkit: "polkit", "privilege decisions";
    controlling_apparmor: "apparmor", "mandatory access control";
    controlling_containers: "containerd", "every container on the machine";
    controlling_docker: "docker", "every container on the machine";
}

/// Environment names that change how programs load or run code.
/// `PATH` and `HOME` among them: they choose which programs and which start-up files run.
pub const ENVIRONMENT: &[&str] = &[
    "PATH",
    "HOME",
    "XDG_*",
    "SHELL",
    "LD_*",
    "GCONV_PATH",
    "BASH_ENV",
    "ENV",
    "SHELLOPTS",
    "PS4",
    "IFS",
    "PYTHON*",
    "PERL*",
    "RUBY*",
    "LUA_*",
    "NODE_*",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "OPENSSL_*",
    "LESS*",
    "PAGER",
    "EDITOR",
    "VISUAL",
    "GIT_*",
    "HOSTALIASES",
    "LOCALDOMAIN",
    "RES_OPTIONS",
];

/// The tables as the README publishes them (Markdown rows), so that a test can hold the
/// README to them.
pub fn readme_rows() -> Vec<String> {
    let mut rows: Vec<String> = PATHS
        .iter()
        .map(|p| {
            let read = if p.read { "yes" } else { "no" };
            format!("| `{}` | {read} | {} | `{}` |", p.path, p.why, p.test)
        })
        .collect();
    rows.extend(PROGRAMS.iter().map(|p| {
        let when = if p.free_arguments_only {
            "with free arguments"
        } else {
            "always"
        };
        format!("| `{}` | {when} | {} | `{}` |", p.name, p.why, p.test)
    }));
    rows.extend(
        SERVICES
            .iter()
            .map(|s| format!("| `{}` | {} | `{}` |", s.name, s.why, s.test)),
    );
    let names: Vec<String> = ENVIRONMENT.iter().map(|e| format!("`{e}`")).collect();
    rows.push(format!("Names: {}.", names.join(", ")));
    rows
}

/// Whether `name` matches an entry: exact, or a prefix before `*`, or a suffix after a
/// leading `*`.
pub(super) fn name_matches(entry: &str, name: &str) -> bool {
    match (entry.strip_prefix('*'), entry.strip_suffix('*')) {
        (Some(end), _) => name.ends_with(end),
        (_, Some(start)) => name.starts_with(start),
        _ => entry == name,
    }
}

/// The dangerous service `unit` (a systemd unit name) is, if any.
pub fn service(unit: &str) -> Option<&'static DangerousService> {
    let name = unit.strip_suffix(".service").unwrap_or(unit);
    let name = name.split('@').next().unwrap_or(name);
    SERVICES.iter().find(
        |s| match (s.name.strip_prefix('*'), s.name.strip_suffix('*')) {
            (Some(inner), _) => name.contains(inner.trim_end_matches('*')),
            (_, Some(start)) => name.starts_with(start),
            _ => s.name == name,
        },
    )
}

/// The dangerous program `name` (a resolved file name) is, if any.
pub fn program(name: &str) -> Option<&'static DangerousProgram> {
    PROGRAMS.iter().find(|p| name_matches(p.name, name))
}

#[cfg(test)]
pub(super) mod tests {
    use crate::capabilities::Manifest;

    fn parse(yaml: &str) -> Result<Manifest, String> {
        Manifest::parse(yaml, "c.yaml").map_err(|e| e.to_string())
    }

    /// A path under the entry (the entry itself with its `*` made a name).
    fn under(path: &str) -> String {
        format!("{}/x", path.replace('*', "x"))
    }

    pub(super) fn refused_unless_marked_dangerous_path(path: &str, read: bool) {
        let target = under(path);
        let write = format!("files:\n  - {{path: {target}, access: write, max-mode: \"0644\"}}\n");
        let err = parse(&write).unwrap_err();
        assert!(err.contains("dangerous: true"), "{err}");
        assert!(err.contains(path), "{err}");
        let marked = format!(
            "files:\n  - {{path: {target}, access: write, max-mode: \"0644\", dangerous: true}}\n"
        );
        let m = parse(&marked).unwrap();
        assert!(
            m.dangers().iter().any(|d| d.contains(path)),
            "{:?}",
            m.dangers()
        );
        let read_grant = format!("files:\n  - {{path: {target}, access: read}}\n");
        assert_eq!(parse(&read_grant).is_err(), read, "reading {target}");
    }

    pub(super) fn refused_unless_marked_dangerous_service(name: &str) {
        let unit = name.replace('*', "x");
        let grant = |dangerous: bool| {
            format!(
                "services:\n  - {{systemd: {unit}, actions: [restart], dangerous: {dangerous}}}\n"
            )
        };
        let err = parse(&grant(false)).unwrap_err();
        assert!(err.contains("dangerous: true"), "{err}");
        let m = parse(&grant(true)).unwrap();
        assert!(!m.dangers().is_empty(), "{unit}");
    }

    pub(super) fn refused_unless_marked_dangerous_program(name: &str, free_only: bool) {
        // Judged by the resolved path: a link with a harmless name to the program.
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join(name.replace('*', "3"));
        std::fs::write(&real, b"\x7fELF").unwrap();
        let link = dir.path().join("harmless-tool");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let grant = |args: &str, dangerous: bool| {
            format!(
                "commands:\n  - {{program: {}, args: [{args}], dangerous: {dangerous}}}\n",
                link.display()
            )
        };
        let err = parse(&grant("\"{any}\"", false)).unwrap_err();
        assert!(err.contains("dangerous: true"), "{err}");
        parse(&grant("\"{any}\"", true)).unwrap();
        assert_eq!(
            parse(&grant("--version", false)).is_ok(),
            free_only,
            "{name}"
        );
    }
}
