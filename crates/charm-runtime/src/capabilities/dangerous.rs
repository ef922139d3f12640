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
}

macro_rules! dangerous_paths {
    ($($test:ident: $path:literal, $read:literal, $why:literal;)*) => {
        /// Places where a write grant (and a read grant, where `read`) needs `dangerous: true`.
        pub const PATHS: &[DangerousPath] = &[
            $(DangerousPath { path: $path, read: $read, why: $why },)*
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

macro_rules! dangerous_programs {
    ($($test:ident: $name:literal, $free:literal, $why:literal;)*) => {
        /// Programs whose command grants need `dangerous: true` (with `free_arguments_only`,
        /// only when an argument is a placeholder or pattern).
        pub const PROGRAMS: &[DangerousProgram] = &[
            $(DangerousProgram { name: $name, free_arguments_only: $free, why: $why },)*
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
    writing_run_systemd: "/run/systemd", false, "runtime unit files run anything as root";
    writing_init_scripts: "/etc/init.d", false, "init scripts run as root";
    writing_etc_sudoers: "/etc/sudoers*", false, "sudo rules grant root";
    writing_etc_cron: "/etc/cron*", false, "cron jobs run as root";
    writing_var_spool_cron: "/var/spool/cron", false, "cron and at jobs run as root";
    writing_accounts: "/etc/passwd", false, "accounts: a uid 0 user";
    writing_groups: "/etc/group", false, "groups: membership of sudo or root";
    reading_shadow: "/etc/shadow", true, "password hashes";
    reading_gshadow: "/etc/gshadow", true, "group password hashes";
    reading_root_home: "/root", true, "root's home: keys, shell start-up files";
    reading_ssh: "/etc/ssh", true, "sshd configuration and the host's private keys";
    writing_pam: "/etc/pam.d", false, "authentication without a password";
    writing_security: "/etc/security", false, "authentication and limits configuration";
    writing_ld_so: "/etc/ld.so*", false, "a library loaded into every program, set-id ones too";
    writing_profile: "/etc/profile*", false, "code in root's login shells";
    writing_bashrc: "/etc/bash.bashrc", false, "code in root's shells";
    writing_environment: "/etc/environment", false, "environment (LD_PRELOAD, PATH) of every login";
    writing_nsswitch: "/etc/nsswitch.conf", false, "libraries loaded into every program";
    writing_modules: "/etc/modprobe.d", false, "kernel modules and commands run at load";
    writing_sysctl: "/etc/sysctl*", false, "kernel parameters such as core_pattern, which runs a program";
    writing_udev: "/etc/udev", false, "udev rules run programs as root";
    writing_apt: "/etc/apt", false, "package sources and hooks run as root";
    writing_dpkg: "/var/lib/dpkg", false, "package maintainer scripts run as root";
    writing_snapd: "/var/lib/snapd", false, "snapd's state";
    writing_logrotate: "/etc/logrotate*", false, "scripts run as root";
    writing_polkit: "/etc/polkit-1", false, "privilege policy";
    writing_dbus: "/etc/dbus-1", false, "bus policy";
    writing_apparmor: "/etc/apparmor*", false, "mandatory access control off";
    writing_fstab: "/etc/fstab", false, "file systems mounted at boot, set-id and devices allowed";
    writing_certificates: "/etc/ssl", false, "trust anchors: every TLS client, Juju's agent too";
    writing_boot: "/boot", false, "the kernel and the boot loader";
    reading_dev: "/dev", true, "raw disks and memory";
    reading_proc: "/proc", true, "kernel interfaces, every process's environment";
    reading_sys: "/sys", true, "kernel interfaces";
    reading_var_lib_juju: "/var/lib/juju", true, "the unit agent's credentials and other charms";
    writing_usr_bin: "/usr/bin", false, "programs root runs";
    writing_usr_sbin: "/usr/sbin", false, "programs root runs";
    writing_usr_lib: "/usr/lib", false, "libraries root's programs load";
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
    running_systemd_run: "systemd-run", false, "runs any command as a root service";
    running_nsenter: "nsenter", false, "runs a command in another namespace";
    running_chroot: "chroot", false, "runs a command";
    running_systemctl: "systemctl", false, "controls every service (grant services instead)";
    running_snap: "snap", false, "installs and controls snaps (grant services instead)";
    running_apt: "apt*", false, "package hooks run commands";
    running_dpkg: "dpkg", false, "maintainer scripts run commands";
    running_find: "find", true, "-exec runs commands, -fprint writes any file";
    running_tar: "tar", true, "--to-command and --checkpoint-action run commands";
    running_xargs: "xargs", true, "runs its arguments as a command";
    running_rsync: "rsync", true, "-e runs a command";
    running_git: "git", true, "-c core.sshCommand= runs a command";
    running_sed: "sed", true, "the e command runs commands, w writes any file";
    running_cp: "cp", true, "as root, overwrites any file";
    running_mv: "mv", true, "as root, replaces any file";
    running_tee: "tee", true, "as root, writes any file";
    running_dd: "dd", true, "as root, writes any file or disk";
    running_chmod: "chmod", true, "as root, opens any file";
    running_chown: "chown", true, "as root, gives away any file";
    running_rm: "rm", true, "as root, deletes any file";
    running_curl: "curl", true, "writes any file, reaches any address";
    running_wget: "wget", true, "writes any file, reaches any address";
}

/// Environment names that change how programs load or run code.
pub const ENVIRONMENT: &[&str] = &[
    "LD_*",
    "GCONV_PATH",
    "BASH_ENV",
    "ENV",
    "SHELLOPTS",
    "PS4",
    "IFS",
    "PYTHON*",
    "PERL5*",
    "RUBYOPT",
    "NODE_OPTIONS",
    "GIT_*",
    "HOSTALIASES",
    "LOCALDOMAIN",
    "RES_OPTIONS",
];

/// Whether `name` matches an entry: exact, or a prefix before `*`, or a suffix after a
/// leading `*`.
pub(super) fn name_matches(entry: &str, name: &str) -> bool {
    match (entry.strip_prefix('*'), entry.strip_suffix('*')) {
        (Some(end), _) => name.ends_with(end),
        (_, Some(start)) => name.starts_with(start),
        _ => entry == name,
    }
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
