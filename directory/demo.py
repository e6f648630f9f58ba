"""Demo directory: ~40 approved practitioners in real towns, one applied, one suspended.

Idempotent: practitioners are keyed by their account email; existing ones are left
exactly as they are.
"""

import io
import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.utils import timezone

from users.models import User

from . import gazetteer, geo
from .models import Location, Practitioner, Qualification, Technique
from .technique_pages import TEXTS

DEMO_PRACTITIONER_EMAIL = "practitioner@demo.example"
DEMO_PRACTITIONER_PASSWORD = "demo-practitioner-pass"

FIRST_NAMES = [
    "Amelia",
    "Oliver",
    "Isla",
    "Noah",
    "Ava",
    "Leo",
    "Freya",
    "Arthur",
    "Grace",
    "Theo",
    "Poppy",
    "Harry",
    "Ivy",
    "Oscar",
    "Rosie",
    "Jack",
    "Maya",
    "Finn",
    "Esme",
    "Rohan",
    "Priya",
    "Kwame",
    "Zofia",
    "Mateo",
]
LAST_NAMES = [
    "Hughes",
    "Patel",
    "Okafor",
    "Reid",
    "Bennett",
    "Kowalski",
    "Evans",
    "Clarke",
    "Shah",
    "Morgan",
    "Fraser",
    "Nowak",
    "Ahmed",
    "Price",
    "Walsh",
    "Lloyd",
    "Turner",
    "Campbell",
    "Silva",
    "Moreau",
]
STREETS = [
    "High Street",
    "Church Road",
    "Station Road",
    "Park Lane",
    "Victoria Road",
    "Queen's Road",
    "George Street",
    "North Street",
    "Mill Lane",
]
CLINICS = [
    "Wellbeing Rooms",
    "Natural Health Clinic",
    "Treatment Studio",
    "Therapy Centre",
    "Healing Rooms",
    "Bodywork Studio",
]
# Towns with how many demo practitioners each gets and a postcode area to use.
TOWNS = [
    ("Brighton", 8, "BN1"),
    ("Hove", 3, "BN3"),
    ("Lewes", 2, "BN7"),
    ("Worthing", 2, "BN11"),
    ("Bath", 7, "BA1"),
    ("Bristol", 5, "BS1"),
    ("London", 6, "SW1A"),
    ("Frome", 1, "BA11"),
    ("Oxford", 2, "OX1"),
    ("Exeter", 2, "EX1"),
    ("Cheltenham", 1, "GL50"),
    ("Winchester", 1, "SO23"),
]
HEADLINES = {
    "deep-tissue": "Deep tissue massage for stubborn tension and back pain",
    "holistic-massage": "Holistic massage to help you unwind and restore",
    "trigger-point-therapy": "Trigger point therapy for neck, shoulder and back pain",
    "hot-stone": "Hot stone and relaxation massage",
    "myofascial-release": "Myofascial release for posture and chronic pain",
    "sports-massage": "Sports massage for runners, cyclists and climbers",
    "pregnancy-massage": "Pregnancy massage in a calm, supported space",
    "swedish-massage": "Classic Swedish massage",
    "indian-head-massage": "Indian head massage for stress and headaches",
    "reflexology": "Reflexology and relaxing foot treatments",
}
BIO = """I trained at Holistic Touch and have been in practice for {years} years.

Every treatment starts with a short conversation about how you are feeling and
what you would like to get from the session. I work mostly with:

- {first}
- {second}
- people whose work keeps them at a desk all day

I am a member of a professional association and hold full insurance.
"""


def seed(stdout) -> None:
    if not gazetteer.is_loaded():
        stdout.write("  loading the gazetteer (every UK place) ...")
        gazetteer.load_builtin()
    written = 0
    for technique in Technique.objects.filter(body="", slug__in=TEXTS):
        technique.body = TEXTS[technique.slug]
        technique.save(update_fields=["body"])
        written += 1
    stdout.write(f"  techniques  {written} technique page(s) written")
    created = 0
    rng = random.Random(20261124)
    techniques = list(Technique.objects.order_by("slug"))
    number = 0
    for town, count, outward in TOWNS:
        place = geo.resolve(town)
        for _ in range(count):
            number += 1
            email = (
                DEMO_PRACTITIONER_EMAIL
                if number == 1
                else f"practitioner{number:02d}@demo.example"
            )
            if _create(rng, number, email, place, outward, techniques):
                created += 1
    extra = [
        ("applicant@demo.example", Practitioner.Status.APPLIED, ""),
        (
            "suspended@demo.example",
            Practitioner.Status.SUSPENDED,
            "Insurance certificate could not be verified.",
        ),
    ]
    brighton = geo.resolve("Brighton")
    for email, status, reason in extra:
        number += 1
        if _create(rng, number, email, brighton, "BN1", techniques, status, reason):
            created += 1
    _demo_documents("applicant@demo.example")
    total = Practitioner.objects.count()
    stdout.write(f"  directory {total} practitioners ({created} created)")
    stdout.write(
        f"  practitioner {DEMO_PRACTITIONER_EMAIL} / {DEMO_PRACTITIONER_PASSWORD}"
    )


def _create(
    rng,
    number,
    email,
    place,
    outward,
    techniques,
    status=Practitioner.Status.APPROVED,
    reason="",
) -> bool:
    # Draw the random choices first so each demo practitioner is the same every run.
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    offered = rng.sample(techniques, rng.randint(2, 4))
    verified = offered[: rng.randint(0, 2)]
    lat = place.latitude + rng.uniform(-0.02, 0.02)
    lng = place.longitude + rng.uniform(-0.03, 0.03)
    price = rng.choice([40, 45, 50, 55, 60, 65])
    gender = rng.choice(["female", "female", "male", "non-binary", ""])
    languages = ["English"] + rng.sample(
        ["French", "Polish", "Spanish", "Hindi", "German", "Welsh"], rng.randint(0, 1)
    )
    home_visits = rng.random() < 0.3
    years = rng.randint(2, 18)
    clinic = f"{place.name} {rng.choice(CLINICS)}"
    address = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = (
        f"{outward} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    )
    if User.objects.filter(email__iexact=email).exists():
        return False
    name = f"{first} {last}"
    password = DEMO_PRACTITIONER_PASSWORD if number == 1 else None
    user = User.objects.create_user(email=email, password=password, full_name=name)
    if password is None:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    practitioner = Practitioner.objects.create(
        user=user,
        slug=f"{first}-{last}-{place.name}-{number}".lower().replace(" ", "-"),
        display_name=name,
        headline=HEADLINES[offered[0].slug],
        bio=BIO.format(
            years=years,
            first=offered[0].name.lower(),
            second=offered[-1].name.lower(),
        ),
        qualifications_text="Holistic Touch Diploma in Massage Therapy\n"
        "First aid at work (2025)",
        insurance_expires_on=timezone.localdate() + timedelta(days=200 + number),
        languages=languages,
        gender=gender,
        price_from=price,
        price_to=price + 25,
        home_visits=home_visits,
        home_visit_miles=10 if home_visits else None,
        status=status,
        status_reason=reason,
        status_changed_at=timezone.now(),
    )
    practitioner.techniques.set(offered)
    for technique in verified:
        Qualification.objects.create(
            practitioner=practitioner,
            technique=technique,
            source=Qualification.Source.COURSE,
            reference=f"Holistic Touch course, {place.name}",
        )
    Location.objects.create(
        practitioner=practitioner,
        name=clinic,
        address=address,
        town=place.name,
        postcode=postcode,
        latitude=lat,
        longitude=lng,
    )
    return True


def _demo_documents(email: str) -> None:
    """The demo applicant's insurance certificate (a PDF) and diploma (a photo),
    in the private storage like real ones, so staff can try the review screen."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from . import documents
    from .models import ApplicationDocument

    practitioner = Practitioner.objects.filter(user__email__iexact=email).first()
    if practitioner is None or practitioner.documents.exists():
        return
    pdf = io.BytesIO()
    page = canvas.Canvas(pdf, pagesize=A4)
    page.setFont("Helvetica-Bold", 18)
    page.drawString(72, 760, "Certificate of insurance (demo)")
    page.setFont("Helvetica", 12)
    page.drawString(72, 730, f"Insured: {practitioner.display_name}")
    page.drawString(72, 712, "Professional indemnity and public liability: £5,000,000")
    page.drawString(72, 694, f"Valid until {practitioner.insurance_expires_on}")
    page.save()
    photo = io.BytesIO()
    image = Image.new("RGB", (1200, 850), "ivory")
    ImageDraw.Draw(image).text(
        (80, 400), f"Diploma in Massage Therapy: {practitioner.display_name}", "navy"
    )
    image.save(photo, format="JPEG", quality=85)
    for kind, name, content in [
        (ApplicationDocument.Kind.INSURANCE, "insurance-2026.pdf", pdf.getvalue()),
        (ApplicationDocument.Kind.QUALIFICATION, "diploma.jpg", photo.getvalue()),
    ]:
        upload = SimpleUploadedFile(name, content)
        checked = documents.check_document(upload)
        ApplicationDocument.objects.create(
            practitioner=practitioner,
            kind=kind,
            stored_name=documents.store(upload, checked),
            original_name=name,
            content_type=checked.content_type,
            size=len(content),
        )
