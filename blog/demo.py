"""Demo blog: an editor, real articles (one scheduled, one draft), plain hero images.

Idempotent: posts are keyed by slug and tags by slug; existing ones are left exactly
as they are.
"""

import io
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from core import images
from directory.models import Technique
from users.models import User

from . import services
from .models import Disclaimer, Post, PostVideo, Tag, Video

EDITOR_EMAIL = "editor@demo.example"
EDITOR_PASSWORD = "demo-editor-pass"
UK = zoneinfo.ZoneInfo("Europe/London")

TAGS = {
    "back-pain": "Back pain",
    "desk-work": "Desk work",
    "guides": "Guides",
    "first-visit": "First visit",
    "pregnancy": "Pregnancy",
    "running": "Running",
    "training": "Training",
}

PREGNANCY_DISCLAIMER = """\
Speak to your midwife or GP before booking a massage while you are pregnant,
especially in the first trimester or if your pregnancy is high risk. Stop and seek
advice straight away if you have bleeding, pain, swelling or reduced movements.
"""


@dataclass
class DemoPost:
    slug: str
    title: str
    summary: str
    body: str
    techniques: list[str]
    tags: list[str]
    days_ago: int
    status: str = Post.Status.PUBLISHED
    by_editor: bool = False
    image: str = ""
    image_alt: str = ""
    disclaimer: str = ""
    meta_description: str = ""


POSTS = [
    DemoPost(
        slug="how-massage-therapy-helps-back-pain",
        title="How massage therapy can help with back pain",
        summary="Most back pain comes from muscles and joints and settles with time "
        "and movement. Here is how massage helps, which techniques our therapists "
        "use, and when to see a doctor first.",
        meta_description="How massage therapy helps back pain: deep tissue, trigger "
        "point and myofascial release, what the evidence says and when to see a GP.",
        techniques=["deep-tissue", "trigger-point-therapy", "myofascial-release"],
        tags=["back-pain", "desk-work"],
        days_ago=40,
        by_editor=True,
        image="spine",
        image_alt="Illustration of a spine drawn as a column of rounded vertebrae",
        body="""\
Back pain is one of the most common reasons people book a massage, and one of the
most common reasons people see their GP. The reassuring news is that most lower
back pain is *non-specific*: it comes from muscles, ligaments and joints rather
than from anything serious, and it usually settles within a few weeks.

Massage will not fix every back, but for many people it is a useful part of
getting moving again.

## What massage can do for a sore back

- **Ease muscle tension.** Muscles that guard a painful area stay tight long after
  the original strain. Slow, firm pressure helps them let go.
- **Relieve pain for a while.** Studies of massage for lower back pain find
  short-term relief, which makes it easier to keep up the walking and exercises
  that help in the long run.
- **Help you move.** Less stiffness makes it easier to bend, sit and sleep.
- **Calm the nervous system.** Pain and stress feed each other; an hour of
  focused, unhurried treatment breaks that cycle for many people.

## Techniques our therapists use

### Deep tissue

Slow strokes and sustained pressure work into the deeper layers of muscle, such as
the long muscles either side of the spine and the quadratus lumborum low in the
back. It should feel strong but never sharp: tell your therapist if it does.

### Trigger point therapy

Trigger points are small, tender knots that can send pain elsewhere, for instance
from the buttock into the lower back. Your therapist holds steady pressure on the
point until it eases, then stretches the muscle.

### Myofascial release

Gentle, sustained stretches of the connective tissue (fascia) that wraps the
muscles. People with long-standing back pain often find this slower approach easier
to relax into.

## What the evidence says

> Massage works best as one part of a plan that keeps you active, not as a cure
> on its own.

The NICE guideline on low back pain suggests manual therapies such as massage only
alongside exercise. In practice: keep moving, stay at work if you can, and use
massage to make the moving easier.

## When to see a doctor first

Contact your GP or NHS 111 before booking a massage if your back pain:

- follows a fall or an accident;
- comes with a fever, unexplained weight loss or a history of cancer;
- keeps getting worse, or wakes you at night.

Go to A&E or call 999 straight away if back pain comes with numbness around your
bottom or genitals, or new problems passing urine or controlling your bowels.

## Finding the right therapist

Look for someone who asks about your history before they start, explains what they
will do and checks the pressure with you. Every practitioner in our directory is
approved by our staff and insured, and techniques marked *verified* were completed
on one of our courses. Use the box on this page to find one near you.
""",
    ),
    DemoPost(
        slug="types-of-massage",
        title="Types of massage: which one is right for you?",
        summary="Swedish, deep tissue, hot stone, sports, Indian head massage and "
        "reflexology: what each one is, what it feels like and who it suits.",
        techniques=[
            "swedish-massage",
            "deep-tissue",
            "hot-stone",
            "sports-massage",
            "indian-head-massage",
            "reflexology",
        ],
        tags=["guides"],
        days_ago=30,
        image="stones",
        image_alt="Illustration of smooth massage stones stacked on a sage green "
        "background",
        body="""\
Booking a massage for the first time can feel like reading a menu in another
language. Here is a plain guide to the treatments our practitioners offer most.

## Swedish massage

The classic: long flowing strokes, kneading and gentle circular movements, usually
with oil. Pressure is light to medium. **Good for:** a first massage, relaxation,
general aches.

## Deep tissue

Slower and firmer, working into deeper layers of muscle and the fascia around them.
It can feel intense in places and you may be a little sore the next day, like after
exercise. **Good for:** stubborn tension, long-standing tightness, some back and
neck pain.

## Hot stone

Smooth, heated basalt stones are used as an extension of the therapist's hands and
rested on key points. The warmth lets muscles relax without heavy pressure.
**Good for:** deep relaxation, people who feel the cold, tension without wanting
firm pressure. Not suitable if you have reduced sensation or some circulation
problems.

## Sports massage

Focused work on the muscles you use in your sport, often with stretching. It is used
before events to prepare, after them to recover, and in between to keep you training.
**Good for:** runners, cyclists, climbers, gym-goers, and anyone with a physical job.

## Indian head massage

A seated treatment of the upper back, shoulders, neck, scalp and face, traditionally
fully clothed and often without oil. **Good for:** tension headaches, desk workers,
a short treatment in a lunch break.

## Reflexology

Pressure on points of the feet (or hands) which reflexologists map to other parts of
the body. Most people find it deeply relaxing. **Good for:** relaxation and
wellbeing; it is not a way to diagnose or treat illness.

## Still not sure?

Tell a practitioner what you would like to feel afterwards, looser, calmer, less
sore, and how firm you like the pressure. A good therapist will suggest the right
treatment, and many combine techniques in one session.
""",
    ),
    DemoPost(
        slug="first-massage-appointment",
        title="What to expect at your first massage appointment",
        summary="From the questions you will be asked to what you wear and how you "
        "might feel afterwards: a step-by-step guide to your first treatment.",
        techniques=["holistic-massage", "swedish-massage"],
        tags=["guides", "first-visit"],
        days_ago=20,
        image="couch",
        image_alt="Illustration of a massage couch with a folded towel",
        body="""\
If you have never had a professional massage, it is normal to feel a bit unsure.
Here is what happens, step by step, when you book with a practitioner from our
network.

## Before you arrive

- **Book the right length.** An hour is usual for a full-body treatment; 30 minutes
  suits a back, neck and shoulders session.
- **Eat lightly.** A big meal just before lying face down is uncomfortable.
- **Arrive a few minutes early**, so you are not rushed.

## The consultation

Your therapist will ask about your health, medication, injuries and what you would
like from the session. This is confidential and matters: some conditions change how
they work. It is also the moment to say which areas you would rather they avoid.

## Getting ready

The therapist leaves the room while you undress to the level you are comfortable
with (most people keep their underwear on) and lie under a towel or sheet on the
couch. Only the area being worked on is uncovered at any time.

## During the massage

> You are in charge. Ask for more or less pressure, a warmer room or a different
> area at any point.

Some people like to chat; many close their eyes and say nothing. Both are fine. Your
therapist will check in about the pressure, especially in the first few minutes.

## Afterwards

Take your time getting up and drink some water. You may feel relaxed, a little
light-headed or, after firmer work, slightly sore the next day, much like after
exercise. That should pass within a day or two.

## Questions people often ask

- **Do I have to talk?** No.
- **What if I fall asleep?** It happens all the time. Your therapist will not mind.
- **Should I tip?** It is not expected.
- **How often should I come?** It depends on why you came. Your therapist will
  suggest a plan, but it is always your choice.
""",
    ),
    DemoPost(
        slug="massage-in-pregnancy",
        title="Massage in pregnancy: what is safe and what helps",
        summary="Pregnancy massage can ease backache, swollen ankles and poor sleep. "
        "What a trained therapist does differently, and when to wait.",
        techniques=["pregnancy-massage"],
        tags=["pregnancy"],
        days_ago=12,
        disclaimer="Pregnancy and massage",
        body="""\
Your body changes quickly in pregnancy, and backache, heavy legs and broken sleep
are common. A massage from a therapist trained in pregnancy massage can help you
feel more comfortable and rested.

## What a pregnancy massage therapist does differently

- **Positions.** From the second trimester you lie on your side, supported by
  pillows, or sit leaning forward, never flat on your front and not for long on
  your back.
- **Pressure.** Work on the legs is gentle and flows towards the heart; there is no
  deep pressure on the calves.
- **Questions.** Your therapist will ask how your pregnancy is going and about any
  conditions your midwife is watching.

## How it can help

- easing lower back and hip ache as your posture changes;
- reducing the feeling of heavy, tired legs;
- helping you relax and sleep;
- giving you an hour that is just for you.

## When to wait or ask first

Many therapists prefer not to treat in the first 12 weeks, and you should check
with your midwife first if your pregnancy is high risk, for example with high blood
pressure, pre-eclampsia, placenta praevia or a history of premature labour.

## Choosing a therapist

Look for a practitioner who lists pregnancy massage as a technique and ask about
their training. In our directory, a *verified* badge means they completed it on one
of our courses or our staff checked their qualification.
""",
    ),
    DemoPost(
        slug="desk-neck-and-shoulder-tension",
        title="Neck and shoulder tension from desk work",
        summary="Hours at a screen tighten the same few muscles. How massage helps, "
        "and four small habits that keep the tension from coming back.",
        techniques=["trigger-point-therapy", "indian-head-massage", "deep-tissue"],
        tags=["desk-work"],
        days_ago=5,
        body="""\
If your shoulders creep up towards your ears by mid-afternoon, you are not alone.
Sitting still at a screen loads the same muscles for hours: the upper trapezius
across the top of the shoulders, the levator scapulae at the side of the neck, and
the small muscles at the base of the skull.

## How massage helps

**Trigger point therapy** finds the tender knots in these muscles, which often
cause tension headaches, and releases them with steady pressure. **Indian head
massage** works the shoulders, neck and scalp in a short seated session, handy in a
lunch break. For long-standing tightness, **deep tissue** work reaches the deeper
layers.

## Four habits between sessions

1. **Move every 30 minutes.** Stand up, roll your shoulders, look out of a window.
2. **Bring the screen to you.** The top of the screen at eye level, an arm's length
   away.
3. **Let your arms rest.** Elbows by your sides, forearms supported, shoulders down.
4. **Breathe low.** Shallow breathing into the upper chest works the neck muscles
   all day.

## When it is more than tension

See your GP if neck pain comes with pins and needles or weakness in an arm, severe
headaches, dizziness, or follows an injury.
""",
    ),
    DemoPost(
        slug="sports-massage-race-day",
        title="Sports massage before and after a race",
        summary="When to book a sports massage around a race, what it does for your "
        "legs, and why you should never try something new on race week.",
        techniques=["sports-massage"],
        tags=["running"],
        days_ago=-10,
        status=Post.Status.SCHEDULED,
        body="""\
Sports massage is part of many runners' training, not just a treat at the finish
line. Timing is everything.

## In training

A session every few weeks during a training block helps you notice tight spots
before they become niggles, and keeps your hips, calves and hamstrings moving well.

## Race week

Book your last firm session five to seven days before the race. Two or three days
out, a light, brisk massage can help you feel loose, but **nothing new and nothing
deep**: you want fresh legs, not sore ones.

## After the race

Wait at least a day or two before any firm work; muscles are already damaged from
the effort. A gentle flushing massage a couple of days later can help you feel less
stiff. Keep walking, eat well and sleep.

## Signs to stop and get checked

Sharp pain in one spot, swelling, or pain that gets worse as you run are reasons to
see a physiotherapist or GP rather than a massage therapist.
""",
    ),
    DemoPost(
        slug="training-as-a-massage-therapist",
        title="Training as a massage therapist: what our diploma covers",
        summary="Anatomy, hands-on technique, supervised clinic practice and running "
        "your own practice: a look inside our diploma.",
        techniques=["holistic-massage", "swedish-massage"],
        tags=["training"],
        days_ago=0,
        status=Post.Status.DRAFT,
        body="""\
*Draft: course dates and fees to be confirmed before publishing.*

Our diploma takes you from no experience to a qualified, insurable massage
therapist over a series of weekends.

## What you learn

- anatomy and physiology, taught through touch as well as books;
- a full-body holistic massage routine, then Swedish technique;
- consultation, contraindications and record keeping;
- supervised clinic practice with real clients;
- setting up and running your own practice.

## After the course

Graduates can join our practitioner network, with the techniques they trained in
shown as verified on their profile.
""",
    ),
]


@dataclass
class DemoVideo:
    slug: str
    title: str
    # Addresses in YouTube's format for videos that do not exist: the school adds
    # its own channel's. Pages never load them unless a visitor presses play.
    youtube_id: str
    description: str
    techniques: list[str]
    days_ago: int
    seconds: int
    in_post: str = ""


VIDEOS = [
    DemoVideo(
        slug="self-massage-for-a-stiff-lower-back",
        title="Self-massage for a stiff lower back",
        youtube_id="HTdemoBack1",
        description="Five minutes with a tennis ball against a wall: how to find "
        "the tight spots either side of the spine and ease them, and when to "
        "stop and see a therapist instead.",
        techniques=["trigger-point-therapy", "myofascial-release"],
        days_ago=38,
        seconds=312,
        in_post="how-massage-therapy-helps-back-pain",
    ),
    DemoVideo(
        slug="deep-tissue-massage-demonstration",
        title="Deep tissue massage: a demonstration",
        youtube_id="HTdemoDeep2",
        description="Our lead tutor works on the long muscles of the back with "
        "forearm and elbow, and explains how pressure is built slowly and "
        "checked with the client.",
        techniques=["deep-tissue"],
        days_ago=60,
        seconds=545,
        in_post="how-massage-therapy-helps-back-pain",
    ),
    DemoVideo(
        slug="what-happens-at-a-hot-stone-massage",
        title="What happens at a hot stone massage",
        youtube_id="HTdemoStne3",
        description="How the stones are heated and checked, where they are "
        "placed, and what the treatment feels like.",
        techniques=["hot-stone"],
        days_ago=25,
        seconds=248,
    ),
    DemoVideo(
        slug="indian-head-massage-for-desk-workers",
        title="Indian head massage for desk workers",
        youtube_id="HTdemoHead4",
        description="A seated routine for the shoulders, neck and scalp, and two "
        "stretches to do at your desk between treatments.",
        techniques=["indian-head-massage"],
        days_ago=14,
        seconds=421,
        in_post="desk-neck-and-shoulder-tension",
    ),
    DemoVideo(
        slug="a-day-on-the-holistic-massage-diploma",
        title="A day on the Holistic Massage Diploma",
        youtube_id="HTdemoDipl5",
        description="Follow students through a teaching Saturday in Brighton: "
        "anatomy in the morning, supervised practice in the afternoon.",
        techniques=["holistic-massage", "swedish-massage"],
        days_ago=90,
        seconds=367,
    ),
    DemoVideo(
        slug="trigger-points-in-the-shoulders",
        title="Trigger points in the shoulders, and the headaches they cause",
        youtube_id="HTdemoTrig6",
        description="Where the common trigger points of the upper back are, the "
        "pain patterns they refer, and how a therapist releases them.",
        techniques=["trigger-point-therapy", "deep-tissue"],
        days_ago=7,
        seconds=289,
    ),
]


def _seed_videos(techniques: dict) -> int:
    created = 0
    for demo in VIDEOS:
        video, made = Video.objects.get_or_create(
            slug=demo.slug,
            defaults={
                "title": demo.title,
                "url": f"https://www.youtube.com/watch?v={demo.youtube_id}",
                "description": demo.description,
                "uploaded_on": timezone.localdate() - timedelta(days=demo.days_ago),
                "duration_seconds": demo.seconds,
            },
        )
        if not made:
            continue
        created += 1
        video.techniques.set(
            [techniques[slug] for slug in demo.techniques if slug in techniques]
        )
        post = Post.objects.filter(slug=demo.in_post).first() if demo.in_post else None
        if post is not None:
            PostVideo.objects.get_or_create(
                post=post, video=video, defaults={"position": post.video_links.count()}
            )
    return created


def seed(stdout) -> None:
    editor = _editor()
    staff = User.objects.filter(email__iexact="staff@demo.example").first() or editor
    tags = {
        slug: Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        for slug, name in TAGS.items()
    }
    pregnancy, _ = Disclaimer.objects.get_or_create(
        title="Pregnancy and massage", defaults={"body": PREGNANCY_DISCLAIMER}
    )
    disclaimers = {"Pregnancy and massage": pregnancy}
    techniques = {t.slug: t for t in Technique.objects.all()}
    created = 0
    for demo in POSTS:
        if Post.objects.filter(slug=demo.slug).exists():
            continue
        author = editor if demo.by_editor else staff
        _create(demo, author, tags, techniques, disclaimers)
        created += 1
    stdout.write(f"  blog     {Post.objects.count()} posts ({created} created)")
    videos = _seed_videos(techniques)
    stdout.write(
        f"  videos   {Video.objects.count()} in the library ({videos} created)"
    )
    stdout.write(f"  editor   {EDITOR_EMAIL} / {EDITOR_PASSWORD}")
    # Posts seeded by an older renderer (core/markdown.py) get the current one's HTML.
    rendered = services.render_stale_markdown()
    if rendered:
        stdout.write(f"  blog     stored HTML of {rendered} texts rendered again")


def _editor() -> User:
    user = User.objects.filter(email__iexact=EDITOR_EMAIL).first()
    if user is None:
        user = User.objects.create_user(
            email=EDITOR_EMAIL,
            password=EDITOR_PASSWORD,
            full_name="Elena Marsh",
            is_staff=True,
        )
        EmailAddress.objects.create(
            user=user, email=EDITOR_EMAIL, verified=True, primary=True
        )
    editors = Group.objects.filter(name="Editors").first()
    if editors is not None:
        user.groups.add(editors)
    return user


def _create(demo: DemoPost, author, tags, techniques, disclaimers) -> Post:
    day = timezone.localdate() - timedelta(days=demo.days_ago)
    publish_at = datetime.combine(day, time(9, 0), tzinfo=UK)
    post = Post(
        slug=demo.slug,
        title=demo.title,
        summary=demo.summary,
        body=demo.body,
        author=author,
        status=demo.status,
        publish_at=None if demo.status == Post.Status.DRAFT else publish_at,
        meta_description=demo.meta_description,
    )
    if demo.disclaimer:
        post.disclaimer = disclaimers[demo.disclaimer]
    if demo.image:
        post.hero_alt = demo.image_alt
        # Stored as an upload is, with its renditions (core/images.py).
        stored = images.store_image(
            ContentFile(_illustration(demo.image)), name=f"blog/{demo.slug}.jpg"
        )
        post.hero_image = stored.name
        post.hero_renditions = True
    post.save()
    post.techniques.set([techniques[s] for s in demo.techniques if s in techniques])
    post.tags.set([tags[s] for s in demo.tags])
    return post


# --- plain illustrations, drawn here so nothing is fetched from the web ---------

SAND = (246, 241, 234)
SAGE = (47, 107, 94)
SOFT = (203, 222, 212)
STONE = (72, 78, 82)


def _illustration(kind: str) -> bytes:
    image = Image.new("RGB", (1200, 630), SAND)
    draw = ImageDraw.Draw(image)
    draw.ellipse((700, -200, 1400, 500), fill=SOFT)
    if kind == "spine":
        for i in range(12):
            y = 60 + i * 44
            x = 600 + int(60 * ((i - 5.5) / 5.5) ** 2) - 30
            draw.rounded_rectangle((x - 55, y, x + 55, y + 34), radius=14, fill=SAGE)
    elif kind == "stones":
        stack = [(420, 120, 440), (330, 100, 350), (240, 84, 276), (160, 64, 222)]
        for width, height, y in stack:
            box = (600 - width // 2, y, 600 + width // 2, y + height)
            draw.ellipse(box, fill=STONE, outline=SAND, width=6)
    elif kind == "couch":
        draw.rounded_rectangle((230, 300, 970, 360), radius=20, fill=SAGE)
        for x in (300, 880):
            draw.rectangle((x, 360, x + 24, 520), fill=STONE)
        draw.rounded_rectangle((620, 262, 860, 304), radius=12, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
