"""The programme's world as data: four countries, 15 rural municipalities plus
Peñalolén and Calama, and the names the demo officials are drawn from."""

COUNTRIES = {"CL": "Chile", "UY": "Uruguay", "BR": "Brasil", "PY": "Paraguay"}

# (country, region, municipality, kind, approximate population)
MUNICIPALITIES = [
    ("CL", "La Araucanía", "Melipeuco", "rural", 6138),
    ("CL", "La Araucanía", "Curarrehue", "rural", 7489),
    ("CL", "La Araucanía", "Lonquimay", "rural", 10251),
    ("CL", "O'Higgins", "Paredones", "rural", 6188),
    ("CL", "Maule", "Empedrado", "rural", 4142),
    ("UY", "Cerro Largo", "Río Branco", "rural", 14604),
    ("UY", "Cerro Largo", "Fraile Muerto", "rural", 3168),
    ("UY", "Cerro Largo", "Tupambaé", "rural", 1120),
    ("UY", "Cerro Largo", "Aceguá", "rural", 1511),
    ("BR", "Rio Grande do Sul", "Pinheiro Machado", "rural", 12780),
    ("BR", "Rio Grande do Sul", "Santana da Boa Vista", "rural", 8242),
    ("BR", "Rio Grande do Sul", "Herval", "rural", 6753),
    ("PY", "Caazapá", "Yuty", "rural", 30500),
    ("PY", "Caazapá", "Tavaí", "rural", 11000),
    ("PY", "Itapúa", "San Cosme y Damián", "rural", 9000),
    ("CL", "Metropolitana de Santiago", "Peñalolén", "urban", 241599),
    ("CL", "Antofagasta", "Calama", "urban", 165731),
]

GIVEN_NAMES = {
    "es": {
        "female": ["Ana", "Camila", "Valentina", "Carolina", "Francisca", "Javiera", "María José",
                   "Lorena", "Paula", "Daniela", "Gabriela", "Rocío", "Natalia", "Silvia", "Claudia"],
        "male": ["Juan Pablo", "Matías", "Diego", "Sebastián", "Rodrigo", "Felipe", "Andrés",
                 "Cristián", "Marcelo", "Gonzalo", "Ignacio", "Tomás", "Nicolás", "Héctor", "Raúl"],
    },
    "pt_BR": {
        "female": ["Ana Paula", "Fernanda", "Juliana", "Luciana", "Patrícia", "Camila", "Mariana"],
        "male": ["João", "Rafael", "Thiago", "Lucas", "Gustavo", "André", "Márcio"],
    },
}

FAMILY_NAMES = {
    "es": ["González Muñoz", "Rojas Díaz", "Pérez Soto", "Contreras Silva", "Martínez Núñez",
           "Sepúlveda Morales", "Fuentes Araya", "Castillo Vera", "Benítez Ortiz", "Acosta Giménez",
           "Ferreira Sosa", "Rodríguez Olivera", "Cabrera Pereira", "Villalba Duarte", "Ñancupil Huenchumán",
           "Quispe Mamani", "Espínola Cáceres", "Alarcón Quezada", "Báez Ríos", "Huaiquil Paillal"],
    "pt_BR": ["Silva Santos", "Oliveira Souza", "Pereira Lima", "Costa Ferreira", "Rodrigues Alves",
              "Gonçalves Martins", "Araújo Ribeiro", "Carvalho Rocha"],
}

POSITIONS = {
    "es": ["Encargada de Desarrollo Comunitario", "Secretario Comunal de Planificación",
           "Directora de Desarrollo Económico Local", "Encargado de Fomento Productivo",
           "Profesional de la Oficina de Partes", "Encargada de Participación Ciudadana",
           "Jefe de Gabinete", "Coordinadora del Programa de Desarrollo Rural",
           "Encargado de Transparencia", "Directora de Salud Municipal"],
    "pt_BR": ["Secretária de Administração", "Assessor de Planejamento",
              "Coordenadora de Desenvolvimento Rural", "Técnico em Projetos Sociais",
              "Diretora de Participação Cidadã"],
}

STAFF = [
    # (email, given names, family names, role, locale)
    ("gestora@demo.certify.example", "Isabel", "Morales Vidal", "manager", "es"),
    ("tutora@demo.certify.example", "Marcela", "Paredes Lagos", "tutor", "es"),
    ("tutor@demo.certify.example", "Rafael", "Campos Brito", "tutor", "pt_BR"),
]

OFFICIALS = 60
COHORT_NAME = "Cohorte 2026 · Cono Sur"
# The next cohort opened days before the demo is built; its officials are just starting.
NEXT_COHORT_NAME = "Cohorte 2027 · Cono Sur"
NEXT_COHORT_OFFICIALS = 5
DEMO_PASSWORD = "innovacion-2026"
