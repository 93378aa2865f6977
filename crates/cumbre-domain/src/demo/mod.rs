//! A deterministic demo organisation: "Hoteles Sierra Azul", a Spanish-speaking hotel and
//! vacation-club chain.
//!
//! Why: a fresh install, screenshots, tests and the guided demo all need an organisation that
//! looks real (regions, hotels, departments, a few hundred people with managers at every level)
//! without touching anybody's real data. The unit tree is fixed; the seed only varies who works
//! where, so the same seed always yields the same organisation. Pure: no IO, no clock.

use std::collections::HashMap;

use time::{Date, Duration, macros::date};

/// The whole demo tenant, ready to be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    pub company_name: String,
    /// Every unit appears after its parent, so they can be inserted in order.
    pub units: Vec<DemoUnit>,
    /// Tenant-wide functional areas, in display order.
    pub departments: Vec<String>,
    /// Every person appears after their manager.
    pub people: Vec<DemoPerson>,
    pub logins: Vec<DemoLogin>,
}

/// One node of the organisation tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoUnit {
    pub key: String,
    pub name: String,
    /// "company" | "region" | "location" | "team"
    pub kind: &'static str,
    /// Key of the parent unit; `None` only for the company.
    pub parent: Option<String>,
}

/// One employee ("colaborador").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPerson {
    /// Employee number, e.g. "E0001".
    pub key: String,
    pub name: String,
    pub email: String,
    /// Key of the unit the person belongs to.
    pub unit: String,
    /// One of [`DemoOrg::departments`]; `None` for general management.
    pub department: Option<String>,
    pub job_title: String,
    pub hire_date: Date,
    /// Key of the person's manager; `None` only for the CEO.
    pub manager: Option<String>,
}

/// A demo account, one per role, so every screen can be tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub email: String,
    /// "admin" | "executive" | "manager" | "employee" | "auditor"
    pub role: &'static str,
    /// Key of the person this account is; the person's e-mail equals [`DemoLogin::email`].
    pub person: Option<String>,
    /// For managers: the unit whose subtree they see.
    pub scope_unit: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Fixed structure
// ---------------------------------------------------------------------------------------------

const COMPANY_KEY: &str = "SA";
const COMPANY_NAME: &str = "Hoteles Sierra Azul";
const EMAIL_DOMAIN: &str = "sierraazul.example";

/// Hire dates span the chain's history up to the demo's "today".
const FIRST_HIRE: Date = date!(2008 - 01 - 01);
const LAST_HIRE: Date = date!(2026 - 06 - 30);

/// Share of people with English names (expats, guest-facing staff for foreign markets).
const ENGLISH_PERCENT: u32 = 20;

/// The demo accounts and their roles. Which person each one is gets decided while hiring
/// (see [`organisation`]); a manager's scope is the unit that person runs.
const LOGINS: [(&str, &str); 8] = [
    ("admin@demo.test", "admin"),
    ("ceo@demo.test", "executive"),
    (LOGIN_REGIONAL, "manager"),
    (LOGIN_MANAGER, "manager"),
    (LOGIN_SUPERVISOR, "manager"),
    (LOGIN_EMPLOYEE, "employee"),
    ("auditor@demo.test", "auditor"),
    // A second mystery shopper, stricter than the first (calibration shows it).
    ("auditor2@demo.test", "auditor"),
];
const LOGIN_CEO: &str = "ceo@demo.test";
const LOGIN_REGIONAL: &str = "regional@demo.test";
const LOGIN_MANAGER: &str = "manager@demo.test";
const LOGIN_SUPERVISOR: &str = "supervisor@demo.test";
const LOGIN_EMPLOYEE: &str = "employee@demo.test";

/// The department whose first team hosts the supervisor and employee demo accounts.
const RECEPTION: &str = "REC";

struct RegionSpec {
    key: &'static str,
    name: &'static str,
}

#[rustfmt::skip]
const REGIONS: [RegionSpec; 4] = [
    RegionSpec { key: "SA-CMX", name: "Caribe Mexicano" },
    RegionSpec { key: "SA-PAC", name: "Pacífico" },
    RegionSpec { key: "SA-CEN", name: "Centro Colonial" },
    RegionSpec { key: "SA-CAR", name: "Caribe y Centroamérica" },
];

/// A hotel, resort or vacation-club site.
struct LocationSpec {
    key: &'static str,
    name: &'static str,
    /// Short place name used in team names ("Recepción · Cancún").
    city: &'static str,
    region: &'static str,
    /// 0 small, 1 medium, 2 large: bigger properties have bigger operating teams.
    size: u32,
    /// Codes of the optional departments present there (the core four always are).
    extras: &'static [&'static str],
}

const fn loc(
    key: &'static str,
    name: &'static str,
    city: &'static str,
    region: &'static str,
    size: u32,
    extras: &'static [&'static str],
) -> LocationSpec {
    LocationSpec {
        key,
        name,
        city,
        region,
        size,
        extras,
    }
}

#[rustfmt::skip]
const LOCATIONS: [LocationSpec; 16] = [
    loc("CUN", "Sierra Azul Cancún", "Cancún", "SA-CMX", 2, &["VTA", "RH", "CLUB", "SPA"]),
    loc("PDC", "Sierra Azul Playa del Carmen", "Playa del Carmen", "SA-CMX", 2, &["VTA", "CLUB", "SPA"]),
    loc("TUL", "Sierra Azul Tulum", "Tulum", "SA-CMX", 1, &["SPA"]),
    loc("CZM", "Club Vacacional Cozumel", "Cozumel", "SA-CMX", 1, &["VTA", "CLUB"]),
    loc("IMU", "Sierra Azul Isla Mujeres", "Isla Mujeres", "SA-CMX", 0, &[]),
    loc("SJD", "Club Vacacional Los Cabos", "Los Cabos", "SA-PAC", 2, &["VTA", "RH", "CLUB", "SPA"]),
    loc("PVR", "Sierra Azul Puerto Vallarta", "Puerto Vallarta", "SA-PAC", 2, &["VTA", "RH", "SPA"]),
    loc("MZT", "Sierra Azul Mazatlán", "Mazatlán", "SA-PAC", 1, &["VTA"]),
    loc("HUX", "Sierra Azul Huatulco", "Huatulco", "SA-PAC", 0, &["SPA"]),
    loc("SMA", "Hacienda Sierra Azul San Miguel de Allende", "San Miguel", "SA-CEN", 1, &["VTA", "SPA"]),
    loc("OAX", "Sierra Azul Oaxaca", "Oaxaca", "SA-CEN", 0, &[]),
    loc("GTO", "Sierra Azul Guanajuato", "Guanajuato", "SA-CEN", 0, &[]),
    loc("MEX", "Sierra Azul Ciudad de México", "CDMX", "SA-CEN", 2, &["VTA", "RH"]),
    loc("PUJ", "Sierra Azul Punta Cana", "Punta Cana", "SA-CAR", 2, &["VTA", "RH", "CLUB", "SPA"]),
    loc("LRM", "Club Vacacional La Romana", "La Romana", "SA-CAR", 1, &["VTA", "CLUB"]),
    loc("GNC", "Sierra Azul Guanacaste", "Guanacaste", "SA-CAR", 1, &["SPA"]),
];

/// A job title in its masculine and feminine forms, as Spanish job titles are gendered.
#[derive(Clone, Copy)]
struct Title {
    male: &'static str,
    female: &'static str,
}

impl Title {
    fn form(self, female: bool) -> &'static str {
        if female { self.female } else { self.male }
    }
}

const fn t(male: &'static str, female: &'static str) -> Title {
    Title { male, female }
}

/// The same word for both genders.
const fn same(both: &'static str) -> Title {
    Title {
        male: both,
        female: both,
    }
}

/// The CEO's title is fixed by the product copy, so the CEO is always drawn with a male name.
const CEO_TITLE: Title = same("Director General");
const REGIONAL_TITLE: Title = t("Director Regional", "Directora Regional");
const GM_TITLE: Title = same("Gerente General");

/// A functional area and how its teams are staffed.
struct DeptSpec {
    code: &'static str,
    name: &'static str,
    /// Core departments exist at every location.
    always: bool,
    supervisor: Title,
    /// Staff titles with relative weights; the first is the department's typical job and is
    /// always given to the first staff member (the demo employee is a receptionist).
    staff: &'static [(Title, u32)],
    staff_min: u32,
    staff_max: u32,
    /// Extra staff per step of location size.
    per_size: u32,
}

const DEPARTMENTS: [DeptSpec; 8] = [
    DeptSpec {
        code: RECEPTION,
        name: "Recepción",
        always: true,
        supervisor: t("Jefe de recepción", "Jefa de recepción"),
        staff: &[
            (same("Recepcionista"), 6),
            (same("Agente de reservaciones"), 2),
            (same("Botones"), 2),
            (same("Concierge"), 1),
            (t("Auditor nocturno", "Auditora nocturna"), 1),
        ],
        staff_min: 2,
        staff_max: 3,
        per_size: 1,
    },
    DeptSpec {
        code: "AMA",
        name: "Ama de llaves",
        always: true,
        supervisor: t(
            "Supervisor de ama de llaves",
            "Supervisora de ama de llaves",
        ),
        staff: &[
            (same("Camarista"), 7),
            (same("Valet de piso"), 2),
            (t("Lavandero", "Lavandera"), 2),
            (t("Encargado de ropería", "Encargada de ropería"), 1),
        ],
        staff_min: 2,
        staff_max: 3,
        per_size: 2,
    },
    DeptSpec {
        code: "AYB",
        name: "Alimentos y bebidas",
        always: true,
        supervisor: same("Gerente de alimentos y bebidas"),
        staff: &[
            (t("Mesero", "Mesera"), 4),
            (t("Cocinero", "Cocinera"), 3),
            (t("Cantinero", "Cantinera"), 2),
            (same("Ayudante de cocina"), 2),
            (same("Hostess"), 1),
            (same("Steward"), 1),
        ],
        staff_min: 2,
        staff_max: 3,
        per_size: 1,
    },
    DeptSpec {
        code: "MNT",
        name: "Mantenimiento",
        always: true,
        supervisor: t("Jefe de mantenimiento", "Jefa de mantenimiento"),
        staff: &[
            (t("Técnico de mantenimiento", "Técnica de mantenimiento"), 5),
            (same("Electricista"), 2),
            (t("Jardinero", "Jardinera"), 2),
            (t("Plomero", "Plomera"), 1),
            (t("Técnico de albercas", "Técnica de albercas"), 1),
        ],
        staff_min: 1,
        staff_max: 2,
        per_size: 0,
    },
    DeptSpec {
        code: "VTA",
        name: "Ventas",
        always: false,
        supervisor: same("Gerente de ventas"),
        staff: &[
            (t("Ejecutivo de ventas", "Ejecutiva de ventas"), 4),
            (
                t(
                    "Coordinador de grupos y convenciones",
                    "Coordinadora de grupos y convenciones",
                ),
                1,
            ),
            (t("Coordinador de bodas", "Coordinadora de bodas"), 1),
        ],
        staff_min: 1,
        staff_max: 3,
        per_size: 0,
    },
    DeptSpec {
        code: "RH",
        name: "Recursos humanos",
        always: false,
        supervisor: t("Jefe de recursos humanos", "Jefa de recursos humanos"),
        staff: &[
            (same("Analista de recursos humanos"), 2),
            (t("Capacitador", "Capacitadora"), 2),
            (same("Auxiliar de nómina"), 1),
        ],
        staff_min: 1,
        staff_max: 2,
        per_size: 0,
    },
    DeptSpec {
        code: "CLUB",
        name: "Club vacacional",
        always: false,
        supervisor: same("Gerente de club vacacional"),
        staff: &[
            (t("Asesor de membresías", "Asesora de membresías"), 4),
            (
                t(
                    "Ejecutivo de atención a socios",
                    "Ejecutiva de atención a socios",
                ),
                3,
            ),
            (same("Concierge de socios"), 1),
        ],
        staff_min: 2,
        staff_max: 4,
        per_size: 0,
    },
    DeptSpec {
        code: "SPA",
        name: "Spa",
        always: false,
        supervisor: t("Coordinador de spa", "Coordinadora de spa"),
        staff: &[
            (same("Terapeuta"), 5),
            (same("Recepcionista de spa"), 2),
            (t("Instructor de bienestar", "Instructora de bienestar"), 1),
        ],
        staff_min: 1,
        staff_max: 3,
        per_size: 0,
    },
];

// Name pools: Mexican, Caribbean and Central American names, including Maya surnames common
// on the Yucatán peninsula, plus English names for expat staff.

#[rustfmt::skip]
const SPANISH_FEMALE: &[&str] = &[
    "María", "Guadalupe", "Fernanda", "Daniela", "Alejandra", "Gabriela", "Sofía", "Valeria",
    "Ximena", "Mariana", "Andrea", "Paola", "Lucía", "Carmen", "Rosa", "Verónica", "Adriana",
    "Claudia", "Patricia", "Leticia", "Yesenia", "Karla", "Brenda", "Itzel", "Citlali", "Mónica",
    "Elena", "Isabel", "Natalia", "Diana", "Jimena", "Ana Karen", "María José", "Luz María",
    "Regina", "Camila", "Beatriz", "Noemí", "Araceli", "Yolanda",
];

#[rustfmt::skip]
const SPANISH_MALE: &[&str] = &[
    "José", "Juan Carlos", "Luis", "Miguel Ángel", "Jorge", "Carlos", "Alejandro", "Francisco",
    "Ricardo", "Eduardo", "Fernando", "Roberto", "Javier", "Sergio", "Raúl", "Héctor", "Arturo",
    "Manuel", "Diego", "Santiago", "Emiliano", "Mateo", "Iván", "Óscar", "Rafael", "Gerardo",
    "Alberto", "Andrés", "Rubén", "Víctor", "Jesús", "Omar", "Ángel", "Pedro", "Julio César",
    "Ernesto", "Hugo", "Armando", "Rodrigo", "Marco Antonio",
];

#[rustfmt::skip]
const SPANISH_SURNAMES: &[&str] = &[
    "García", "Hernández", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez",
    "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres",
    "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero",
    "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera", "Medina",
    "Castro", "Vargas", "Guzmán", "Velázquez", "Muñoz", "Rojas", "Salazar", "Contreras", "Ortega",
    "Núñez", "Peña", "Cervantes", "Canul", "Pech", "May", "Chan", "Ek", "Tun", "Santos", "Peralta",
    "Báez", "Almonte", "Solís", "Quesada", "Villalobos", "De la Cruz",
];

#[rustfmt::skip]
const ENGLISH_FEMALE: &[&str] = &[
    "Emily", "Sarah", "Jessica", "Ashley", "Emma", "Olivia", "Hannah", "Megan", "Rachel", "Lauren",
    "Amanda", "Kate", "Chloe", "Grace", "Sophie", "Jennifer", "Rebecca",
];

#[rustfmt::skip]
const ENGLISH_MALE: &[&str] = &[
    "Michael", "James", "David", "Daniel", "Ryan", "Kevin", "Brian", "Thomas", "Christopher",
    "Matthew", "Andrew", "Jason", "Patrick", "Sean", "Mark", "Steven", "William",
];

#[rustfmt::skip]
const ENGLISH_SURNAMES: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Martin", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Walker", "Young", "Allen", "Wright", "Scott", "Campbell", "Mitchell", "O'Brien", "Murphy",
    "Kelly", "Baker", "Carter",
];

// ---------------------------------------------------------------------------------------------
// Generation
// ---------------------------------------------------------------------------------------------

/// Builds the demo organisation. The same seed always gives the same result; different seeds
/// give the same units and logins but different people.
pub fn organisation(seed: u64) -> DemoOrg {
    let mut units = vec![unit(COMPANY_KEY, COMPANY_NAME, "company", None)];
    let mut staff = Staffing::new(seed);
    let ceo = staff.hire(Hire {
        level: Level::Ceo,
        unit: COMPANY_KEY,
        department: None,
        title: CEO_TITLE,
        manager: None,
        login: Some(LOGIN_CEO),
    });
    for (r, region) in REGIONS.iter().enumerate() {
        units.push(unit(region.key, region.name, "region", Some(COMPANY_KEY)));
        let director = staff.hire(Hire {
            level: Level::Regional,
            unit: region.key,
            department: None,
            title: REGIONAL_TITLE,
            manager: Some(&ceo),
            login: (r == 0).then_some(LOGIN_REGIONAL),
        });
        let locations = LOCATIONS.iter().filter(|l| l.region == region.key);
        for (l, location) in locations.enumerate() {
            let demo_location = r == 0 && l == 0;
            staff_location(&mut staff, &mut units, location, &director, demo_location);
        }
    }
    DemoOrg {
        company_name: COMPANY_NAME.to_owned(),
        units,
        departments: DEPARTMENTS.iter().map(|d| d.name.to_owned()).collect(),
        logins: logins(&staff.people),
        people: staff.people,
    }
}

/// Adds one location, its teams, its general manager, supervisors and staff.
/// The demo location carries the manager, supervisor and employee accounts.
fn staff_location(
    staff: &mut Staffing,
    units: &mut Vec<DemoUnit>,
    location: &LocationSpec,
    director: &str,
    demo_location: bool,
) {
    units.push(unit(
        location.key,
        location.name,
        "location",
        Some(location.region),
    ));
    let gm = staff.hire(Hire {
        level: Level::General,
        unit: location.key,
        department: None,
        title: GM_TITLE,
        manager: Some(director),
        login: demo_location.then_some(LOGIN_MANAGER),
    });
    for dept in DEPARTMENTS.iter().filter(|d| location.has(d)) {
        let team = format!("{}-{}", location.key, dept.code);
        let team_name = format!("{} · {}", dept.name, location.city);
        units.push(unit(&team, &team_name, "team", Some(location.key)));
        let demo_team = demo_location && dept.code == RECEPTION;
        let supervisor = staff.hire(Hire {
            level: Level::Supervisor,
            unit: &team,
            department: Some(dept.name),
            title: dept.supervisor,
            manager: Some(&gm),
            login: demo_team.then_some(LOGIN_SUPERVISOR),
        });
        let headcount =
            staff.rng.u32(dept.staff_min..=dept.staff_max) + location.size * dept.per_size;
        for i in 0..headcount {
            let title = if i == 0 {
                dept.staff[0].0
            } else {
                weighted(&mut staff.rng, dept.staff)
            };
            staff.hire(Hire {
                level: Level::Staff,
                unit: &team,
                department: Some(dept.name),
                title,
                manager: Some(&supervisor),
                login: (demo_team && i == 0).then_some(LOGIN_EMPLOYEE),
            });
        }
    }
}

impl LocationSpec {
    fn has(&self, dept: &DeptSpec) -> bool {
        dept.always || self.extras.contains(&dept.code)
    }
}

fn unit(key: &str, name: &str, kind: &'static str, parent: Option<&str>) -> DemoUnit {
    DemoUnit {
        key: key.to_owned(),
        name: name.to_owned(),
        kind,
        parent: parent.map(str::to_owned),
    }
}

/// Links each demo account to the person hired with its e-mail; a manager's scope is the unit
/// that person runs (region, location or team).
fn logins(people: &[DemoPerson]) -> Vec<DemoLogin> {
    LOGINS
        .iter()
        .map(|&(email, role)| {
            let person = people.iter().find(|p| p.email == email);
            DemoLogin {
                email: email.to_owned(),
                role,
                person: person.map(|p| p.key.clone()),
                scope_unit: person.filter(|_| role == "manager").map(|p| p.unit.clone()),
            }
        })
        .collect()
}

/// Position in the hierarchy; drives tenure (leaders tend to have been hired earlier).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Ceo,
    Regional,
    General,
    Supervisor,
    Staff,
}

/// One hiring decision.
struct Hire<'a> {
    level: Level,
    unit: &'a str,
    department: Option<&'static str>,
    title: Title,
    manager: Option<&'a str>,
    /// A demo account's e-mail, used instead of a generated one so the two can be linked.
    login: Option<&'static str>,
}

/// The seeded random source and everyone hired so far.
struct Staffing {
    rng: fastrand::Rng,
    people: Vec<DemoPerson>,
    /// How many times each e-mail local part was used, to number repeats.
    email_uses: HashMap<String, u32>,
}

/// A generated person name, kept in parts so the e-mail can be derived from it.
struct Name {
    first: &'static str,
    surnames: Vec<&'static str>,
}

impl Staffing {
    fn new(seed: u64) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
            people: Vec::new(),
            email_uses: HashMap::new(),
        }
    }

    /// Adds a person and returns their employee number.
    fn hire(&mut self, hire: Hire<'_>) -> String {
        let female = hire.level != Level::Ceo && self.rng.bool();
        let name = self.name(female);
        let key = format!("E{:04}", self.people.len() + 1);
        let email = match hire.login {
            Some(login) => login.to_owned(),
            None => self.email(&name),
        };
        let hire_date = self.hire_date(hire.level);
        self.people.push(DemoPerson {
            key: key.clone(),
            name: format!("{} {}", name.first, name.surnames.join(" ")),
            email,
            unit: hire.unit.to_owned(),
            department: hire.department.map(str::to_owned),
            job_title: hire.title.form(female).to_owned(),
            hire_date,
            manager: hire.manager.map(str::to_owned),
        });
        key
    }

    /// Spanish names carry two surnames (paternal, maternal); English names carry one.
    fn name(&mut self, female: bool) -> Name {
        if self.rng.u32(0..100) < ENGLISH_PERCENT {
            let first = pick(
                &mut self.rng,
                if female { ENGLISH_FEMALE } else { ENGLISH_MALE },
            );
            Name {
                first,
                surnames: vec![pick(&mut self.rng, ENGLISH_SURNAMES)],
            }
        } else {
            let first = pick(
                &mut self.rng,
                if female { SPANISH_FEMALE } else { SPANISH_MALE },
            );
            let paternal = pick(&mut self.rng, SPANISH_SURNAMES);
            let maternal = pick(&mut self.rng, SPANISH_SURNAMES);
            Name {
                first,
                surnames: vec![paternal, maternal],
            }
        }
    }

    /// `firstname.surname@domain`, with a number from the second use on to keep it unique.
    /// Folded names contain no digits, so a numbered address cannot clash with a plain one.
    fn email(&mut self, name: &Name) -> String {
        let surname = name.surnames.first().copied().unwrap_or_default();
        let local = format!("{}.{}", ascii_fold(name.first), ascii_fold(surname));
        let uses = self.email_uses.entry(local.clone()).or_insert(0);
        *uses += 1;
        if *uses == 1 {
            format!("{local}@{EMAIL_DOMAIN}")
        } else {
            format!("{local}{uses}@{EMAIL_DOMAIN}")
        }
    }

    /// Leaders take the earliest of several draws (long tenure, promoted from within);
    /// staff take the latest of two (hotel turnover keeps frontline tenure short).
    fn hire_date(&mut self, level: Level) -> Date {
        let span = (LAST_HIRE - FIRST_HIRE).whole_days();
        let (draws, earliest) = match level {
            Level::Ceo => (5, true),
            Level::Regional => (4, true),
            Level::General => (3, true),
            Level::Supervisor => (2, true),
            Level::Staff => (2, false),
        };
        let mut days = if earliest { span } else { 0 };
        for _ in 0..draws {
            let draw = self.rng.i64(0..=span);
            days = if earliest {
                days.min(draw)
            } else {
                days.max(draw)
            };
        }
        FIRST_HIRE + Duration::days(days)
    }
}

/// One item of a non-empty constant table.
fn pick<T: Copy>(rng: &mut fastrand::Rng, items: &[T]) -> T {
    items[rng.usize(..items.len())]
}

/// A title drawn by weight from a non-empty constant table.
fn weighted(rng: &mut fastrand::Rng, items: &[(Title, u32)]) -> Title {
    let total: u32 = items.iter().map(|&(_, w)| w).sum();
    let mut draw = rng.u32(..total);
    for &(title, weight) in items {
        if draw < weight {
            return title;
        }
        draw -= weight;
    }
    items[0].0
}

/// Lowercase ASCII for e-mail addresses: accents dropped, ñ → n, spaces and apostrophes gone.
fn ascii_fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            'á' | 'à' | 'ä' | 'â' => Some('a'),
            'é' | 'è' | 'ë' | 'ê' => Some('e'),
            'í' | 'ì' | 'ï' | 'î' => Some('i'),
            'ó' | 'ò' | 'ö' | 'ô' => Some('o'),
            'ú' | 'ù' | 'ü' | 'û' => Some('u'),
            'ñ' => Some('n'),
            'ç' => Some('c'),
            c if c.is_ascii_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    fn unit_by_key(org: &DemoOrg) -> HashMap<&str, &DemoUnit> {
        org.units.iter().map(|u| (u.key.as_str(), u)).collect()
    }

    fn person_by_key(org: &DemoOrg) -> HashMap<&str, &DemoPerson> {
        org.people.iter().map(|p| (p.key.as_str(), p)).collect()
    }

    fn login<'a>(org: &'a DemoOrg, email: &str) -> &'a DemoLogin {
        org.logins
            .iter()
            .find(|l| l.email == email)
            .expect("demo login exists")
    }

    fn login_person<'a>(org: &'a DemoOrg, email: &str) -> &'a DemoPerson {
        let key = login(org, email)
            .person
            .as_deref()
            .expect("login has a person");
        org.people
            .iter()
            .find(|p| p.key == key)
            .expect("login person exists")
    }

    #[test]
    fn same_seed_same_organisation() {
        assert_eq!(organisation(42), organisation(42));
    }

    #[test]
    fn seeds_vary_people_not_structure() {
        let (a, b) = (organisation(1), organisation(2));
        assert_eq!(a.units, b.units);
        assert_eq!(a.departments, b.departments);
        assert_ne!(a.people, b.people);
        let roles = |o: &DemoOrg| {
            o.logins
                .iter()
                .map(|l| (l.email.clone(), l.role))
                .collect::<Vec<_>>()
        };
        assert_eq!(roles(&a), roles(&b));
    }

    #[test]
    fn sizes_are_realistic() {
        for seed in 0..20 {
            let org = organisation(seed);
            let locations = org.units.iter().filter(|u| u.kind == "location").count();
            let regions = org.units.iter().filter(|u| u.kind == "region").count();
            assert!(locations >= 12, "{locations} locations");
            assert!((3..=4).contains(&regions), "{regions} regions");
            assert!(
                (300..=500).contains(&org.people.len()),
                "seed {seed}: {} people",
                org.people.len()
            );
        }
    }

    #[test]
    fn every_reference_resolves() {
        for seed in [0, 7, 99] {
            let org = organisation(seed);
            let units = unit_by_key(&org);
            let people = person_by_key(&org);
            let mut seen = HashSet::new();
            for u in &org.units {
                let expected_parent_kind = match u.kind {
                    "company" => None,
                    "region" => Some("company"),
                    "location" => Some("region"),
                    "team" => Some("location"),
                    other => panic!("unknown kind {other}"),
                };
                let parent_kind = u.parent.as_deref().map(|p| {
                    assert!(seen.contains(p), "{} listed before its parent {p}", u.key);
                    units[p].kind
                });
                assert_eq!(parent_kind, expected_parent_kind, "{}", u.key);
                seen.insert(u.key.as_str());
            }
            for p in &org.people {
                assert!(
                    units.contains_key(p.unit.as_str()),
                    "{} unit {}",
                    p.key,
                    p.unit
                );
                if let Some(d) = &p.department {
                    assert!(org.departments.contains(d), "{} department {d}", p.key);
                }
                if let Some(m) = &p.manager {
                    assert!(people.contains_key(m.as_str()), "{} manager {m}", p.key);
                }
            }
            for l in &org.logins {
                if let Some(p) = &l.person {
                    assert_eq!(people[p.as_str()].email, l.email);
                }
                if let Some(s) = &l.scope_unit {
                    assert!(units.contains_key(s.as_str()), "{} scope {s}", l.email);
                }
            }
            for location in &LOCATIONS {
                for code in location.extras {
                    assert!(
                        DEPARTMENTS.iter().any(|d| d.code == *code && !d.always),
                        "{code}"
                    );
                }
            }
        }
    }

    #[test]
    fn keys_and_emails_are_unique() {
        let org = organisation(3);
        let unit_keys: HashSet<_> = org.units.iter().map(|u| &u.key).collect();
        assert_eq!(unit_keys.len(), org.units.len());
        let person_keys: HashSet<_> = org.people.iter().map(|p| &p.key).collect();
        assert_eq!(person_keys.len(), org.people.len());
        let emails: HashSet<_> = org.people.iter().map(|p| &p.email).collect();
        assert_eq!(emails.len(), org.people.len());
        let logins: HashSet<_> = org.logins.iter().map(|l| &l.email).collect();
        assert_eq!(logins.len(), org.logins.len());
        for p in &org.people {
            assert!(
                p.email.is_ascii() && p.email == p.email.to_lowercase(),
                "{}",
                p.email
            );
            assert!(p.key.starts_with('E') && p.key.len() == 5, "{}", p.key);
        }
    }

    #[test]
    fn every_team_has_a_supervisor_reporting_to_the_gm() {
        let org = organisation(5);
        let people = person_by_key(&org);
        for team in org.units.iter().filter(|u| u.kind == "team") {
            let location = team.parent.as_deref().expect("team has a parent");
            let gms: Vec<_> = org.people.iter().filter(|p| p.unit == location).collect();
            assert_eq!(gms.len(), 1, "{location} has one general manager");
            let gm = gms[0];
            assert_eq!(gm.job_title, "Gerente General");
            let director = people[gm.manager.as_deref().expect("gm has a manager")];
            assert_eq!(Some(&director.unit), units_parent(&org, location));
            let members: Vec<_> = org.people.iter().filter(|p| p.unit == team.key).collect();
            let supervisors: Vec<_> = members
                .iter()
                .filter(|p| p.manager.as_deref() == Some(gm.key.as_str()))
                .collect();
            assert_eq!(supervisors.len(), 1, "{} has one supervisor", team.key);
            let supervisor = &supervisors[0].key;
            assert!(members.len() >= 2, "{} has staff", team.key);
            for m in members.iter().filter(|m| &m.key != supervisor) {
                assert_eq!(
                    m.manager.as_ref(),
                    Some(supervisor),
                    "{} reports to supervisor",
                    m.key
                );
            }
        }
    }

    fn units_parent<'a>(org: &'a DemoOrg, key: &str) -> Option<&'a String> {
        org.units
            .iter()
            .find(|u| u.key == key)
            .and_then(|u| u.parent.as_ref())
    }

    #[test]
    fn manager_chains_end_at_the_ceo() {
        let org = organisation(11);
        let people = person_by_key(&org);
        let ceo = login_person(&org, "ceo@demo.test");
        assert_eq!(ceo.job_title, "Director General");
        assert_eq!(ceo.unit, COMPANY_KEY);
        assert_eq!(ceo.manager, None);
        for p in &org.people {
            let mut current = p;
            let mut steps = 0;
            while let Some(m) = &current.manager {
                current = people[m.as_str()];
                steps += 1;
                assert!(
                    steps <= 5,
                    "manager chain of {} is too long or cyclic",
                    p.key
                );
            }
            assert_eq!(current.key, ceo.key);
        }
    }

    #[test]
    fn every_region_and_hotel_has_one_leader_account() {
        let org = organisation(8);
        let extra = org.leader_logins();
        let mut leaders: Vec<_> = org
            .logins
            .iter()
            .filter(|l| l.role == "manager")
            .chain(extra.iter())
            .filter_map(|l| l.scope_unit.clone())
            .collect();
        leaders.sort();
        let mut expected: Vec<_> = org
            .units
            .iter()
            .filter(|u| matches!(u.kind, "region" | "location"))
            .map(|u| u.key.clone())
            .collect();
        expected.sort();
        // The demo supervisor's team is the only other unit with an account.
        leaders.retain(|k| expected.contains(k));
        assert_eq!(leaders, expected);
    }

    #[test]
    fn demo_logins_point_at_the_right_people() {
        let org = organisation(8);
        let units = unit_by_key(&org);
        let roles: Vec<_> = org.logins.iter().map(|l| l.role).collect();
        assert_eq!(
            roles,
            [
                "admin",
                "executive",
                "manager",
                "manager",
                "manager",
                "employee",
                "auditor",
                "auditor"
            ]
        );
        for email in ["admin@demo.test", "auditor@demo.test", "auditor2@demo.test"] {
            assert!(login(&org, email).person.is_none() && login(&org, email).scope_unit.is_none());
        }
        let ceo = login_person(&org, "ceo@demo.test");
        assert_eq!(login(&org, "ceo@demo.test").scope_unit, None);

        let regional = login(&org, "regional@demo.test");
        assert_eq!(regional.scope_unit.as_deref(), Some(REGIONS[0].key));
        assert_eq!(
            login_person(&org, "regional@demo.test").manager.as_ref(),
            Some(&ceo.key)
        );

        let manager = login(&org, "manager@demo.test");
        let location = manager.scope_unit.as_deref().expect("manager has a scope");
        assert_eq!(units[location].kind, "location");
        assert_eq!(units[location].parent.as_deref(), Some(REGIONS[0].key));
        let gm = login_person(&org, "manager@demo.test");
        assert_eq!(
            gm.manager.as_ref(),
            Some(&login_person(&org, "regional@demo.test").key)
        );

        let team = login(&org, "supervisor@demo.test")
            .scope_unit
            .as_deref()
            .expect("scope");
        assert_eq!(units[team].kind, "team");
        assert_eq!(units[team].parent.as_deref(), Some(location));
        assert!(units[team].name.starts_with("Recepción"));
        let supervisor = login_person(&org, "supervisor@demo.test");
        assert_eq!(supervisor.manager.as_ref(), Some(&gm.key));

        let employee = login_person(&org, "employee@demo.test");
        assert_eq!(employee.job_title, "Recepcionista");
        assert_eq!(employee.unit, team);
        assert_eq!(employee.manager.as_ref(), Some(&supervisor.key));
        assert_eq!(login(&org, "employee@demo.test").scope_unit, None);
    }

    #[test]
    fn hire_dates_in_range_and_leaders_longer_tenured() {
        let org = organisation(21);
        let (mut leaders, mut staff) = (Vec::new(), Vec::new());
        for p in &org.people {
            assert!(
                (FIRST_HIRE..=LAST_HIRE).contains(&p.hire_date),
                "{}",
                p.hire_date
            );
            let leads = org
                .people
                .iter()
                .any(|q| q.manager.as_ref() == Some(&p.key));
            let day = i64::from(p.hire_date.to_julian_day());
            if leads {
                leaders.push(day)
            } else {
                staff.push(day)
            }
        }
        let mean = |v: &[i64]| v.iter().sum::<i64>() / i64::try_from(v.len()).expect("small");
        assert!(mean(&leaders) < mean(&staff));
    }

    #[test]
    fn names_look_right() {
        let org = organisation(13);
        let english = org
            .people
            .iter()
            .filter(|p| p.name.split(' ').count() == 2)
            .count();
        // English names are exactly two words; Spanish ones have two surnames, so three or more.
        let share = english * 100 / org.people.len();
        assert!((10..=30).contains(&share), "{share}% English");
        assert_eq!(ascii_fold("María José Núñez"), "mariajosenunez");
        assert_eq!(ascii_fold("O'Brien"), "obrien");
    }
}

impl DemoOrg {
    /// Accounts for the leaders who answer for a region or a hotel and are not among the
    /// named logins: each regional director and general manager signs in as a manager of
    /// their unit, so every hotel's cases have an owner who runs it (not the executive).
    pub fn leader_logins(&self) -> Vec<DemoLogin> {
        let named: Vec<&str> = self.logins.iter().map(|l| l.email.as_str()).collect();
        self.people
            .iter()
            .filter(|p| p.department.is_none() && p.manager.is_some())
            .filter(|p| {
                self.units
                    .iter()
                    .any(|u| u.key == p.unit && matches!(u.kind, "region" | "location"))
            })
            .filter(|p| !named.contains(&p.email.as_str()))
            .map(|p| DemoLogin {
                email: p.email.clone(),
                role: "manager",
                person: Some(p.key.clone()),
                scope_unit: Some(p.unit.clone()),
            })
            .collect()
    }

    /// The organisation as an import file, so the demo goes through the same checks and
    /// the same write path as a customer's own CSV.
    pub fn to_import_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut write = |row: [&str; 10]| {
            // Writing to a Vec cannot fail.
            let _ = w.write_record(row);
        };
        write(crate::org::import::HEADER);
        for u in &self.units {
            write([
                "unit",
                &u.key,
                &u.name,
                u.parent.as_deref().unwrap_or(""),
                u.kind,
                "",
                "",
                "",
                "",
                "",
            ]);
        }
        for p in &self.people {
            let hire = crate::org::HireDate::from_date(p.hire_date).to_iso();
            write([
                "person",
                &p.key,
                &p.name,
                &p.unit,
                "",
                p.department.as_deref().unwrap_or(""),
                &p.job_title,
                &p.email,
                &hire,
                p.manager.as_deref().unwrap_or(""),
            ]);
        }
        let bytes = w.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }
}

#[cfg(test)]
mod csv_tests {
    use super::*;

    #[test]
    fn the_demo_passes_the_import_checks() {
        let org = organisation(7);
        let today = time::macros::date!(2026 - 11 - 25);
        let plan = crate::org::import::plan(&org.to_import_csv(), &Default::default(), today)
            .expect("demo organisation is a valid import");
        assert_eq!(plan.units.len(), org.units.len());
        assert_eq!(plan.people.len(), org.people.len());
    }
}

pub mod comments;
pub mod responses;
