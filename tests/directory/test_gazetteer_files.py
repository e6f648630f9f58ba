"""The official postcode and place-name files, in their own layouts and with their
own odd rows: small files with the real headers."""

import pytest
from django.core.management import CommandError, call_command

from directory import gazetteer, geo
from directory.gazetteer.grid import easting_northing_to_latitude_longitude
from directory.models import Place

pytestmark = pytest.mark.django_db

# The ONS Postcode Directory's columns (user guide, 2022 onwards).
ONSPD_HEADER = (
    "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,"
    "osnrth1m,osgrdind,oshlthau,nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,itl,"
    "statsward,oa01,casward,park,lsoa01,msoa01,ur01ind,oac01,oa11,lsoa11,msoa11,"
    "wz11,sicbl,bua11,buasd11,ru11ind,oac11,lat,long,lep1,lep2,pfa,imd,calncv,icb,"
    "oa21,lsoa21,msoa21"
)
ONSPD_COLUMNS = ONSPD_HEADER.split(",")


def onspd_row(pcds: str, lat: str, long: str, doterm: str = "", grid: str = "1"):
    values = dict.fromkeys(ONSPD_COLUMNS, "")
    values.update(
        pcd=pcds.replace(" ", "").ljust(7),
        pcd2=pcds,
        pcds=pcds,
        dointr="198001",
        doterm=doterm,
        osgrdind=grid,
        ctry="E92000001",
        lat=lat,
        long=long,
    )
    return ",".join(f'"{values[c]}"' for c in ONSPD_COLUMNS)


def write(tmp_path, name: str, lines: list[str], encoding="utf-8") -> str:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def test_the_ons_postcode_directory_loads_live_postcodes_and_skips_the_rest(tmp_path):
    path = write(
        tmp_path,
        "ONSPD_NOV_2025_UK.csv",
        [
            ONSPD_HEADER,
            onspd_row("BN1 1AA", "50.821000", "-0.139000"),
            onspd_row("BN1 1AB", "50.823000", "-0.141000"),
            onspd_row("BN1 9ZZ", "50.830000", "-0.150000", doterm="200112"),
            onspd_row("BN2 1AA", "99.999999", "0.000000", grid="9"),
            onspd_row("EH10 4BF", "55.921000", "-3.209000"),
            onspd_row("NOTACODE", "51.0", "-1.0"),
            onspd_row("BT1 1AA", "north", "-5.9"),
            '"short","row"',
        ],
    )
    summary = gazetteer.load(path)
    assert summary.layout == "ONS Postcode Directory"
    assert summary.read == 8
    assert summary.skipped == {
        "terminated postcode": 1,
        "no grid reference (placeholder coordinates)": 1,
        "not a UK postcode": 1,
        "coordinates not a latitude, longitude": 1,
        "too few columns": 1,
    }
    assert summary.first_line["terminated postcode"] == 4
    postcodes = set(Place.objects.filter(kind="postcode").values_list("key", flat=True))
    assert postcodes == {"BN1 1AA", "BN1 1AB", "EH10 4BF"}
    bn1 = Place.objects.get(kind="outward", key="BN1")
    assert (bn1.latitude, bn1.longitude) == pytest.approx((50.822, -0.140))
    assert Place.objects.get(kind="area", key="EH").latitude == pytest.approx(55.921)
    assert summary.derived == {"outward codes": 2, "postcode areas": 2}
    assert geo.resolve("bn11ab").name == "BN1 1AB"
    assert not geo.resolve("BN1 1AB").approximate


def test_the_summary_says_what_was_loaded_and_skipped(tmp_path):
    path = write(
        tmp_path,
        "onspd.csv",
        [
            ONSPD_HEADER,
            onspd_row("BN1 1AA", "50.82", "-0.14"),
            onspd_row("BN1 9ZZ", "50.83", "-0.15", doterm="200112"),
        ],  # fmt: skip
    )
    lines = gazetteer.load(path).lines()
    assert lines[0].startswith("Read 2 rows of ONS Postcode Directory in ")
    assert "3 places written" in lines[0]
    assert "  Skipped 1: terminated postcode (first on line 3)." in lines


def test_loading_again_in_small_batches_gives_the_same_rows(tmp_path):
    rows = [onspd_row(f"BN1 {n}AA", f"50.8{n}", "-0.14") for n in range(1, 8)]
    path = write(tmp_path, "onspd.csv", [ONSPD_HEADER, *rows])
    first = gazetteer.load(path, batch=2)
    assert first.written == 7 + 2  # the postcodes, BN1 and BN
    again = gazetteer.load(path, batch=3)
    assert again.written == 0 and again.unchanged == 9
    assert Place.objects.count() == 9


def test_a_postcode_moved_in_a_new_release_is_updated_in_place(tmp_path):
    path = write(
        tmp_path, "a.csv", [ONSPD_HEADER, onspd_row("BN1 1AA", "50.8", "-0.1")]
    )
    gazetteer.load(path)
    path = write(
        tmp_path, "b.csv", [ONSPD_HEADER, onspd_row("BN1 1AA", "50.9", "-0.1")]
    )
    assert gazetteer.load(path).written == 3
    assert Place.objects.get(kind="postcode").latitude == 50.9


def test_grid_references_convert_to_latitude_and_longitude_with_pyproj():
    # Ordnance Survey's worked example (Caister water tower, ETRS89 ~ WGS84).
    latitude, longitude = easting_northing_to_latitude_longitude(651409.903, 313177.270)
    assert latitude == pytest.approx(52 + 39 / 60 + 28.8282 / 3600, abs=0.0002)
    assert longitude == pytest.approx(1 + 42 / 60 + 57.8663 / 3600, abs=0.0002)
    # Ben Nevis summit, and Charing Cross.
    assert easting_northing_to_latitude_longitude(216666, 771288) == pytest.approx(
        (56.7969, -5.0037), abs=0.0005
    )
    assert easting_northing_to_latitude_longitude(530034, 180381) == pytest.approx(
        (51.5074, -0.1277), abs=0.0005
    )


CODE_POINT_ROWS = [
    '"TR18 4AA",10,146955,030286,"E92000001","E19000001","E18000010","",'
    '"E06000052","E05013829"',
    '"BN1 1AA",10,531018,104026,"E92000001","","","","E06000043",""',
    '"BN1 9ZZ",90,0,0,"E92000001","","","","",""',
    '"NOPOSTCODE",10,531018,104026,"E92000001","","","","",""',
    '"BN2 1AA",10,east,104026,"E92000001","","","","",""',
]


@pytest.mark.parametrize(
    "header",
    [
        None,  # as downloaded: no header row
        '"Postcode","Positional_quality_indicator","Eastings","Northings",'
        '"Country_code","NHS_regional_HA_code","NHS_HA_code","Admin_county_code",'
        '"Admin_district_code","Admin_ward_code"',
        "PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC",
    ],
)
def test_code_point_open_loads_with_or_without_its_header(tmp_path, header):
    lines = ([header] if header else []) + CODE_POINT_ROWS
    summary = gazetteer.load(write(tmp_path, "tr.csv", lines))
    assert summary.layout == "OS Code-Point Open"
    assert summary.skipped == {
        "no grid reference (placeholder coordinates)": 1,
        "not a UK postcode": 1,
        "eastings or northings not a number": 1,
    }
    penzance = Place.objects.get(kind="postcode", key="TR18 4AA")
    assert (penzance.latitude, penzance.longitude) == pytest.approx(
        (50.1186, -5.5412), abs=0.002
    )
    brighton = Place.objects.get(kind="postcode", key="BN1 1AA")
    assert (brighton.latitude, brighton.longitude) == pytest.approx(
        (50.8225, -0.1410), abs=0.002
    )


IPN_HEADER = (
    "placeid,place23cd,placesort,place23nm,splitind,descnm,ctyhistnm,cty61nm,"
    "cty91nm,ctyltnm,ctry23nm,cty23cd,cty23nm,lad61nm,lad61desc,lad91nm,lad91desc,"
    "lad23cd,lad23nm,lad23desc,ced23cd,wd23cd,par23cd,hlth23cd,hlth23nm,regd23cd,"
    "regd23nm,rgn23cd,rgn23nm,npark23cd,npark23nm,bua22cd,pcon23cd,pcon23nm,eer23cd,"
    "eer23nm,pfa23cd,pfa23nm,gridgb1m,gridgb1e,gridgb1n,grid1km,lat,long"
)


def ipn_row(code, name, county, nation, lat, long):
    values = dict.fromkeys(IPN_HEADER.split(","), "")
    values.update(placeid="1", place23cd=code, place23nm=name, descnm="LOC",
                  ctyltnm=county, cty23nm=county, ctry23nm=nation, lat=lat,
                  long=long)  # fmt: skip
    return ",".join(f'"{v}"' for v in values.values())


def test_the_ons_index_of_place_names_adds_places_with_their_county(tmp_path):
    path = write(
        tmp_path,
        "IPN_GB_2023.csv",
        [
            IPN_HEADER,
            ipn_row(
                "IPN0100001",
                "Newport",
                "Isle of Wight",
                "England",
                "50.7014",
                "-1.2912",
            ),  # fmt: skip
            ipn_row(
                "IPN0100002", "Newport", "Shropshire", "England", "52.7686", "-2.3779"
            ),  # fmt: skip
            ipn_row(
                "IPN0100003",
                "Llanfair Pwllgwyngyll",
                "Isle of Anglesey",
                "Wales",
                "53.2210",
                "-4.2090",
            ),  # fmt: skip
            ipn_row("IPN0100004", "", "Kent", "England", "51.2", "0.5"),
            ipn_row("IPN0100005", "Nowhere", "Kent", "England", "", ""),
        ],
    )
    summary = gazetteer.load(path)
    assert summary.layout == "ONS Index of Place Names"
    assert summary.skipped == {
        "no name": 1,
        "coordinates not a latitude, longitude": 1,
    }
    shropshire = geo.resolve("Newport, Shropshire")
    assert shropshire.latitude == pytest.approx(52.7686)
    assert ("Newport, Isle of Wight", "Newport, Isle of Wight") in (
        shropshire.alternatives
    )
    assert geo.resolve("llanfair pwllgwyngyll").name == "Llanfair Pwllgwyngyll"


OPEN_NAMES_HEADER = (
    "ID,NAMES_URI,NAME1,NAME1_LANG,NAME2,NAME2_LANG,TYPE,LOCAL_TYPE,GEOMETRY_X,"
    "GEOMETRY_Y,MOST_DETAIL_VIEW_RES,LEAST_DETAIL_VIEW_RES,MBR_XMIN,MBR_YMIN,"
    "MBR_XMAX,MBR_YMAX,POSTCODE_DISTRICT,POSTCODE_DISTRICT_URI,POPULATED_PLACE,"
    "POPULATED_PLACE_URI,POPULATED_PLACE_TYPE,DISTRICT_BOROUGH,DISTRICT_BOROUGH_URI,"
    "DISTRICT_BOROUGH_TYPE,COUNTY_UNITARY,COUNTY_UNITARY_URI,COUNTY_UNITARY_TYPE,"
    "REGION,REGION_URI,COUNTRY,COUNTRY_URI,RELATED_SPATIAL_OBJECT,SAME_AS_DBPEDIA,"
    "SAME_AS_GEONAMES"
)


def open_names_row(ref, name1, name2, kind, local_type, x, y, county, country):
    values = dict.fromkeys(OPEN_NAMES_HEADER.split(","), "")
    values.update(ID=ref, NAME1=name1, NAME2=name2, TYPE=kind, LOCAL_TYPE=local_type,
                  GEOMETRY_X=x, GEOMETRY_Y=y, COUNTY_UNITARY=county,
                  COUNTRY=country)  # fmt: skip
    return ",".join(values.values())


def test_os_open_names_adds_populated_places_with_their_welsh_and_gaelic_names(
    tmp_path,
):
    path = write(
        tmp_path,
        "SH_open_names.csv",
        [
            OPEN_NAMES_HEADER,
            open_names_row(
                "osgb4000000074564386",
                "Menai Bridge",
                "Porthaethwy",
                "populatedPlace",
                "Town",
                "255900",
                "371900",
                "Isle of Anglesey",
                "Wales",
            ),  # fmt: skip
            open_names_row(
                "osgb4000000074544949",
                "Portree",
                "Port Rìgh",
                "populatedPlace",
                "Town",
                "148200",
                "843600",
                "Highland",
                "Scotland",
            ),  # fmt: skip
            open_names_row(
                "osgb4000000019999999",
                "A55",
                "",
                "transportNetwork",
                "Numbered Road",
                "255900",
                "371900",
                "",
                "Wales",
            ),  # fmt: skip
            open_names_row(
                "osgb4000000074500000",
                "Nant",
                "",
                "populatedPlace",
                "Hamlet",
                "many",
                "371900",
                "",
                "Wales",
            ),  # fmt: skip
        ],
    )
    summary = gazetteer.load(path)
    assert summary.layout == "OS Open Names"
    assert summary.written == 2
    assert summary.skipped == {
        "not a populated place (roads, water, landforms)": 1,
        "eastings or northings not a number": 1,
    }
    menai = geo.resolve("Porthaethwy")
    assert menai.name == "Menai Bridge"
    assert (menai.latitude, menai.longitude) == pytest.approx((53.22, -4.17), abs=0.02)
    assert geo.resolve("Port Righ").name == "Portree"
    place = Place.objects.get(name="Menai Bridge")
    assert (place.county, place.nation, place.population) == (
        "Isle of Anglesey", "Wales", 10_000,
    )  # fmt: skip


def test_a_file_in_another_encoding_loads_when_it_is_named(tmp_path):
    path = write(
        tmp_path,
        "latin.csv",
        [
            IPN_HEADER,
            ipn_row("IPN1", "Ystradgynlais", "Powys", "Wales", "51.78", "-3.75"),
            ipn_row(
                "IPN2", "Pontrhydfendigaid", "Ceredigion", "Wales", "52.28", "-3.86"
            ),
            ipn_row(
                "IPN3", "Llanwrtyd Wells (Llanwrtyd)", "Powys", "Wales", "52.1", "-3.6"
            ).replace("Powys", "Pŵys"),
        ],  # fmt: skip
        encoding="utf-8",
    )
    raw = path.read_bytes().replace("ŵ".encode(), b"\xf5")
    path.write_bytes(raw)
    skipped = gazetteer.load(path)
    assert skipped.skipped == {"not UTF-8 text": 1}
    call_command("load_gazetteer", str(path), "--encoding", "latin-1", verbosity=0)
    assert Place.objects.filter(key__startswith="LLANWRTYD").count() == 1


def test_the_command_shows_progress_and_a_summary(tmp_path, capsys):
    path = write(tmp_path, "onspd.csv", [ONSPD_HEADER, onspd_row("BN1 1AA", "50.8",
                                                                  "-0.1")])  # fmt: skip
    call_command("load_gazetteer", str(path))
    out, err = capsys.readouterr()
    assert "Read 1 rows of ONS Postcode Directory" in out
    assert "onspd.csv" in err and "100%" in err  # the progress bar


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["/no/such/file.csv"], "No file at"),
        (["{path}", "--encoding", "klingon"], "Unknown encoding"),
        (["{path}", "--batch", "0"], "--batch must be at least 1"),
    ],
)
def test_bad_arguments_are_explained(tmp_path, arguments, message):
    path = write(tmp_path, "onspd.csv", [ONSPD_HEADER])
    arguments = [a.replace("{path}", str(path)) for a in arguments]
    with pytest.raises(CommandError, match=message):
        call_command("load_gazetteer", *arguments, verbosity=0)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"name,lat\nX,1\n", "unknown columns: expected one of"),
        (b"\xff\xfepcds,lat\n", "line 1: not UTF-8 text"),
    ],
)
def test_a_file_we_cannot_read_is_refused(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("load_gazetteer", str(path), verbosity=0)
    assert not Place.objects.exists()
