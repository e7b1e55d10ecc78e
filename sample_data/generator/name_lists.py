"""Curated name lists: given names by sex and birth period, surnames by heritage.

Lists are ordered from most to least common. Surname weights are rough counts per
100,000 people, shaped like the England and Wales frequency tables. A surname written
``"Kowalski/Kowalska"`` has a male and a female form.
"""

from __future__ import annotations


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


# Birth-period bands: a band applies to people born in or after its year.
BANDS: tuple[int, ...] = (0, 1960, 1975, 1990, 2005, 2015)

GIVEN_BY_BAND: dict[tuple[int, str], tuple[str, ...]] = {
    (0, "M"): _names(
        "John, David, Michael, Peter, Robert, Anthony, Brian, Alan, William, James, Richard, "
        "Kenneth, Roger, Keith, Colin, Christopher, Raymond, Terence, Barry, Geoffrey, Derek, "
        "Ronald, Graham, Stephen, Malcolm, Trevor, Dennis, Frederick, George, Bernard, "
        "Leonard, Norman, Gordon, Philip, Douglas, Albert, Clifford, Harold"
    ),
    (0, "F"): _names(
        "Margaret, Patricia, Susan, Christine, Linda, Janet, Valerie, Maureen, Sandra, Carol, "
        "Pauline, Jean, Barbara, Elizabeth, Mary, Kathleen, Sheila, Brenda, Ann, Gillian, "
        "Jennifer, Irene, Jacqueline, Shirley, Doreen, Marion, Rosemary, Joan, Dorothy, "
        "Hazel, Judith, Wendy, Beryl, Eileen, Sylvia, Josephine, Valda, Margery"
    ),
    (1960, "M"): _names(
        "David, Paul, Andrew, Mark, Stephen, Ian, Michael, Gary, Robert, Richard, Peter, John, "
        "Anthony, Kevin, Christopher, Steven, Darren, Simon, Neil, Martin, Nigel, Philip, "
        "Jonathan, Timothy, Stuart, Graham, Alan, Wayne, Lee, Dean, Carl, Jason, Shaun, "
        "Russell, Julian, Adrian, Terence, Kenneth"
    ),
    (1960, "F"): _names(
        "Susan, Julie, Karen, Jacqueline, Deborah, Tracey, Jane, Helen, Diane, Sharon, Alison, "
        "Amanda, Sarah, Elizabeth, Wendy, Angela, Nicola, Joanne, Lorraine, Mandy, Dawn, Lisa, "
        "Michelle, Claire, Tina, Beverley, Gillian, Sally, Catherine, Caroline, Denise, Kim, "
        "Lynn, Samantha, Andrea, Theresa, Valerie, Kimberley"
    ),
    (1975, "M"): _names(
        "Christopher, James, David, Daniel, Michael, Matthew, Andrew, Richard, Paul, Mark, "
        "Thomas, Adam, Robert, John, Lee, Benjamin, Steven, Jonathan, Craig, Stephen, Simon, "
        "Nicholas, Peter, Anthony, Alexander, Gary, Ian, Ryan, Luke, Jamie, Stuart, Philip, "
        "Darren, William, Carl, Scott, Kevin, Ashley, Martin, Wayne, Gregory, Timothy"
    ),
    (1975, "F"): _names(
        "Sarah, Claire, Emma, Laura, Lisa, Rebecca, Michelle, Nicola, Samantha, Amanda, Kelly, "
        "Louise, Rachel, Gemma, Joanne, Stacey, Helen, Katie, Victoria, Donna, Hayley, Kirsty, "
        "Natalie, Zoë, Jennifer, Lucy, Jessica, Danielle, Catherine, Charlotte, Leanne, Kerry, "
        "Jodie, Amy, Sophie, Anna, Stephanie, Deborah"
    ),
    (1990, "M"): _names(
        "Jack, Thomas, James, Joshua, Daniel, Matthew, Samuel, Ryan, Luke, Callum, Liam, "
        "Connor, Lewis, Jordan, Adam, Alexander, Benjamin, Joseph, Harry, Jake, Kieran, "
        "Michael, Nathan, Oliver, William, Bradley, Jamie, Aaron, Reece, Ben, Kyle, Charlie, "
        "George, Cameron, Dylan, Tyler, Nathaniel, Zachary"
    ),
    (1990, "F"): _names(
        "Jessica, Emily, Sophie, Chloe, Lauren, Hannah, Charlotte, Rebecca, Amy, Megan, "
        "Bethany, Shannon, Jade, Katie, Holly, Lucy, Olivia, Georgia, Ellie, Emma, Abigail, "
        "Danielle, Natasha, Courtney, Paige, Rachel, Amber, Eleanor, Stephanie, Leah, Naomi, "
        "Jasmine, Molly, Zoe, Kayleigh, Niamh, Rebekah, Alexandra"
    ),
    (2005, "M"): _names(
        "Oliver, Jack, Harry, Charlie, Thomas, Jacob, Alfie, Riley, William, James, Joshua, "
        "George, Noah, Ethan, Oscar, Max, Dylan, Leo, Archie, Freddie, Lucas, Isaac, Logan, "
        "Mason, Henry, Samuel, Joseph, Daniel, Harrison, Jayden, Tyler, Alexander, Lewis, "
        "Toby, Finley, Reuben, Frederick, Alfred, Kai, Harley"
    ),
    (2005, "F"): _names(
        "Olivia, Lily, Amelia, Jessica, Emily, Sophie, Isla, Ava, Ella, Poppy, Isabella, Mia, "
        "Grace, Evie, Chloe, Sophia, Ruby, Isabelle, Lucy, Charlotte, Freya, Millie, Daisy, "
        "Phoebe, Holly, Scarlett, Ellie, Erin, Megan, Matilda, Layla, Eva, Harriet, "
        "Elizabeth, Maisie, Lola, Summer, Maya"
    ),
    (2015, "M"): _names(
        "Muhammad, Noah, Oliver, George, Arthur, Leo, Harry, Oscar, Archie, Henry, Theodore, "
        "Freddie, Jack, Charlie, Theo, Alfie, Jacob, Thomas, Finley, Arlo, Lucas, Tommy, Teddy, "
        "Isaac, Albie, Hudson, Ezra, Louie, Reggie, Jude, Elijah, Roman, Rory, Harley, Luca, "
        "Ronnie, Frankie, Sonny, Grayson, Edward, Leon, Finn"
    ),
    (2015, "F"): _names(
        "Olivia, Amelia, Isla, Lily, Ava, Freya, Ivy, Florence, Willow, Isabella, Mia, Elsie, "
        "Sophia, Evie, Rosie, Grace, Ella, Sienna, Poppy, Daisy, Maya, Evelyn, Millie, Sofia, "
        "Delilah, Matilda, Harper, Aria, Luna, Hallie, Margot, Maeve, Nancy, Orla, Penelope, "
        "Zoë, Ada, Bonnie, Violet, Emilia, Lola, Eva"
    ),
}

# Given names used within a community, whatever the birth period.
GIVEN_BY_HERITAGE: dict[tuple[str, str], tuple[str, ...]] = {
    ("pakistani", "M"): _names(
        "Mohammed, Muhammad, Ahmed, Ali, Hassan, Hamza, Ibrahim, Yusuf, Zain, Imran, Tariq, "
        "Asif, Bilal, Omar, Abdul, Adnan, Faisal, Usman, Ayaan, Zakariya, Rizwan, Shahid, "
        "Kamran, Junaid, Haris"
    ),
    ("pakistani", "F"): _names(
        "Ayesha, Fatima, Aisha, Maryam, Zainab, Sana, Amina, Hafsa, Khadija, Noor, Iqra, "
        "Saima, Nadia, Shabana, Rubina, Samina, Inaaya, Safiya, Hana, Yasmin, Anaya, Rukhsana"
    ),
    ("bangladeshi", "M"): _names(
        "Mohammed, Abdul, Rahim, Shahid, Jamal, Foysal, Rayhan, Sadiq, Tanvir, Arif, Imran, "
        "Ayaan, Ibrahim, Yahya, Rafiq, Sultan, Habib"
    ),
    ("bangladeshi", "F"): _names(
        "Fatema, Nasima, Rehana, Shirin, Tahmina, Sumaiya, Jannat, Sadia, Ruksana, Halima, "
        "Maryam, Aisha, Safa, Nusrat, Mahira, Anisa"
    ),
    ("indian", "M"): _names(
        "Arjun, Rohan, Vikram, Rahul, Sanjay, Ravi, Amit, Harpreet, Gurpreet, Jaspal, Manjit, "
        "Rajesh, Sunil, Deepak, Aarav, Vihaan, Dev, Kiran, Nikhil, Anil, Sukhdev, Jaswinder, "
        "Kabir, Rajinder"
    ),
    ("indian", "F"): _names(
        "Priya, Anjali, Sunita, Pooja, Neha, Harpreet, Manpreet, Simran, Jaspreet, Kavita, "
        "Meera, Asha, Deepa, Nisha, Anika, Diya, Riya, Navdeep, Rani, Parminder, Amrit, Saanvi"
    ),
    ("african", "M"): _names(
        "Chukwuemeka, Oluwaseun, Kwame, Kofi, Emeka, Tunde, Femi, Chidi, Obinna, Abdi, "
        "Mohamed, Tendai, Samuel, Daniel, Emmanuel, Joseph, Michael, Ayodele, Kelechi, "
        "Abdirahman, Yaw, Tobi"
    ),
    ("african", "F"): _names(
        "Chiamaka, Ngozi, Adaeze, Amara, Folake, Funmilayo, Abena, Akosua, Efua, Hodan, "
        "Ifeoma, Nneka, Precious, Blessing, Esther, Grace, Favour, Chioma, Zainab, Deborah, "
        "Ayan, Temitope"
    ),
    ("caribbean", "M"): _names(
        "Marcus, Tyrone, Jermaine, Delroy, Winston, Leroy, Dwayne, Andre, Nathaniel, Kai, "
        "Malachi, Jaden, Elijah, Desmond, Clive, Errol, Kemar"
    ),
    ("caribbean", "F"): _names(
        "Marcia, Sonia, Janelle, Tanisha, Shanice, Aaliyah, Keisha, Simone, Beverley, "
        "Jasmine, Naomi, Destiny, Monique, Precious, Hyacinth, Paulette, Chantelle"
    ),
    ("east_european", "M"): _names(
        "Jakub, Kacper, Szymon, Filip, Mateusz, Piotr, Tomasz, Paweł, Krzysztof, Łukasz, "
        "Marcin, Michał, Andrei, Ionuț, Mihai, Alexandru, Lukas, Mantas, Dominik, Wojciech, "
        "Bartosz, Darius"
    ),
    ("east_european", "F"): _names(
        "Zofia, Zuzanna, Julia, Maja, Wiktoria, Natalia, Agnieszka, Katarzyna, Magdalena, "
        "Joanna, Aleksandra, Małgorzata, Ioana, Elena, Andreea, Gabriela, Emilija, Ieva, "
        "Oliwia, Lena, Alicja, Marta"
    ),
    ("irish", "M"): _names(
        "Seán, Ciarán, Patrick, Conor, Declan, Eoin, Niall, Darragh, Oisín, Cian, Liam, "
        "Aidan, Ronan, Padraig, Fionn, Cathal, Dónal"
    ),
    ("irish", "F"): _names(
        "Siobhán, Niamh, Aoife, Ciara, Róisín, Orla, Saoirse, Caoimhe, Sinéad, Bridget, "
        "Maeve, Clodagh, Áine, Eimear, Gráinne, Deirdre"
    ),
    ("chinese", "M"): _names(
        "Wei, Jun, Hao, Ming, Jian, Kai, Daniel, Jason, Kevin, Ethan, Lucas, Tian, Yuxuan"
    ),
    ("chinese", "F"): _names(
        "Mei, Xin, Ying, Hui, Lin, Jing, Grace, Jenny, Amy, Chloe, Xiaoling, Yan, Zhen"
    ),
    ("iberian", "M"): _names(
        "João, José, Tiago, Gonçalo, Rúben, André, Diogo, Rodrigo, Miguel, Sergio, Álvaro"
    ),
    ("iberian", "F"): _names(
        "Inês, Beatriz, Mariana, Leonor, Sofia, Ana, Catarina, Lucía, Marta, Carolina, Raquel"
    ),
}


def _weighted(text: str) -> tuple[tuple[str, int], ...]:
    pairs = []
    for part in text.split(","):
        part = part.strip()
        if part:
            name, _, weight = part.rpartition(" ")
            pairs.append((name, int(weight)))
    return tuple(pairs)


SURNAMES: dict[str, tuple[tuple[str, int], ...]] = {
    "british": _weighted(
        "Smith 550, Jones 420, Williams 300, Taylor 260, Brown 240, Davies 230, Evans 170, "
        "Wilson 160, Thomas 150, Johnson 150, Roberts 145, Robinson 130, Thompson 130, "
        "Wright 130, Walker 125, White 115, Edwards 115, Hughes 115, Green 110, Hall 110, "
        "Lewis 105, Harris 105, Clarke 100, Jackson 95, Wood 95, Turner 90, Martin 90, "
        "Cooper 90, Hill 88, Ward 85, Morris 85, Moore 83, Clark 80, Lee 80, King 78, "
        "Baker 77, Harrison 75, Morgan 74, Allen 72, James 71, Scott 70, Phillips 70, "
        "Watson 68, Davis 68, Parker 66, Price 65, Bennett 64, Young 63, Griffiths 62, "
        "Mitchell 61, Kelly 60, Cook 60, Carter 59, Richardson 58, Bailey 58, Collins 57, "
        "Bell 57, Shaw 56, Murphy 55, Miller 55, Cox 54, Richards 53, Marshall 52, "
        "Anderson 52, Simpson 51, Ellis 51, Adams 50, Wilkinson 49, Foster 48, Chapman 48, "
        "Powell 47, Webb 47, Rogers 46, Gray 46, Mason 46, Hunt 45, Campbell 44, Matthews 44, "
        "Owen 44, Palmer 43, Holmes 43, Mills 43, Barnes 42, Knight 42, Lloyd 42, Butler 41, "
        "Russell 41, Barker 41, Fisher 40, Stevens 40, Jenkins 40, Murray 40, Dixon 39, "
        "Harvey 39, Graham 39, Pearson 38, Fletcher 37, Walsh 37, Gibson 37, Howard 36, "
        "Andrews 36, Stewart 36, Elliott 35, Reynolds 35, Saunders 35, Payne 34, Fox 34, "
        "Ford 34, Pearce 33, Day 33, Brooks 33, West 33, Lawrence 32, Cole 32, Atkinson 32, "
        "Bradley 31, Spencer 31, Dawson 31, Ball 30, Burton 30, O'Brien 30, Watts 30, Rose 29, "
        "Booth 29, Perry 29, Ryan 29, Grant 28, Wells 28, Armstrong 28, Francis 28, Rees 28, "
        "Hayes 27, Hart 27, Hudson 27, Newman 27, Barrett 26, Webster 26, Hunter 26, "
        "Gregory 26, Carr 26, Lowe 25, Page 25, Marsh 25, Riley 25, Dunn 25, Woods 24, "
        "Parsons 24, Berry 24, Stone 24, Reid 24, Holland 23, Hawkins 23, Harding 23, "
        "Porter 23, Robertson 23, Newton 22, Oliver 22, Reed 22, Kennedy 22, Williamson 22, "
        "Bird 22, Gardner 21, Dean 21, Lane 21, Cooke 21, Bates 21, Henderson 21, Parry 20, "
        "Burgess 20, Bishop 20, Walton 20, Burns 20, Nicholson 20, Shepherd 19, Ross 19, "
        "Cross 19, Long 19, Freeman 19, Warren 19, Nicholls 18, Hamilton 18, Byrne 18, "
        "Sutton 18, McDonald 18, Yates 18, Hodgson 18, Robson 17, Curtis 17, Hopkins 17, "
        "O'Connor 17, Harper 17, Coleman 17, Watkins 17, Moss 16, McCarthy 16, Chambers 16, "
        "O'Neill 16, Griffin 16, Sharp 16, Hardy 15, Wheeler 15, Potter 15, Osborne 15, "
        "Johnston 15, Gordon 15, Doyle 15, Wallace 15, George 14, Jordan 14, Hutchinson 14, "
        "Reeves 14, Barber 14, Ashworth 12, Pritchard 12, Lamb 12, Howells 11, Fitzgerald 11, "
        "McKenzie 11, Brennan 10, Le Roux 3, St John 2, Bowen-Jones 3, Lloyd-Davies 3, "
        "Ashton-Clarke 2, Hughes-Morgan 2, Fairfax-Lucy 1, D'Arcy 3, O'Hara 4, Faulkner 9"
    ),
    "irish": _weighted(
        "Murphy 60, Kelly 55, O'Sullivan 45, Walsh 40, O'Brien 40, Byrne 35, Ryan 35, "
        "O'Connor 32, O'Neill 30, O'Reilly 28, Doyle 26, McCarthy 25, Gallagher 24, "
        "Doherty 24, Kennedy 22, Lynch 22, Murray 20, Quinn 20, McLaughlin 18, Ó Briain 3, "
        "Mac Cárthaigh 2, Nic Giolla 1"
    ),
    "pakistani": _weighted(
        "Khan 60, Hussain 45, Ali 45, Ahmed 40, Akhtar 20, Iqbal 15, Mahmood 15, Butt 10, "
        "Shah 20, Rashid 10, Aslam 8, Raza 8, Malik 12, Mirza 6, Qureshi 8, Chaudhry 8, "
        "Hussain-Khan 2"
    ),
    "bangladeshi": _weighted(
        "Miah/Begum 30, Rahman 15, Islam 12, Uddin 10, Chowdhury 10, Ahmed 12, Hoque 6, "
        "Khatun 4, Ali 8"
    ),
    "indian": _weighted(
        "Patel 100, Singh/Kaur 60, Sharma 15, Kumar 15, Gill 15, Sandhu 8, Mistry 8, "
        "Parmar 8, Gupta 6, Shah 10, Chauhan 6, Johal 5, Dhillon 5, Bains 4, Desai 5, Joshi 4, "
        "Lal 3, Nair 4, Pillai 3"
    ),
    "african": _weighted(
        "Okafor 10, Adeyemi 10, Mensah 12, Okonkwo 8, Osei 10, Boateng 9, Asante 8, Owusu 9, "
        "Adebayo 9, Ogunleye 6, Eze 7, Nwosu 6, Mohamed 14, Abdi 10, Ibrahim 9, Hassan 8, "
        "Farah 8, Moyo 6, Ndlovu 5, Banda 5, Kamara 6, Conteh 4"
    ),
    "caribbean": _weighted(
        "Campbell 20, Brown 25, Williams 25, Thompson 18, Bailey 12, Clarke 12, Francis 12, "
        "Henry 10, Grant 10, Reid 10, Morgan 8, Stewart 8, Samuels 6, McKenzie 8, Gayle 5, "
        "Beckford 4, Forbes 5, Lewis 8"
    ),
    "east_european": _weighted(
        "Nowak 20, Kowalski/Kowalska 15, Wiśniewski/Wiśniewska 12, Wójcik 10, Kowalczyk 10, "
        "Kamiński/Kamińska 9, Lewandowski/Lewandowska 9, Zieliński/Zielińska 8, "
        "Szymański/Szymańska 8, Woźniak 8, Dąbrowski/Dąbrowska 7, Kozłowski/Kozłowska 6, "
        "Popescu 10, Ionescu 6, Popa 6, Radu 5, Stan 4, Kazlauskas 4, Petrov 3, Horváth 3"
    ),
    "chinese": _weighted(
        "Wang 15, Li 15, Zhang 12, Chen 14, Liu 10, Wong 14, Chan 14, Lam 8, Cheung 8, Ng 8, "
        "Ho 6, Yip 4, Lau 6, Tang 5"
    ),
    "iberian": _weighted(
        "Da Silva 10, Santos 9, Ferreira 8, Pereira 7, Gonçalves 6, Rodrigues 7, Fernandes 7, "
        "García 6, Martínez 5, López 5, Núñez 3, De Sousa 4"
    ),
}

# Share of group founders by heritage, shaped like a fairly typical English county.
HERITAGE_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("british", 0.80),
    ("irish", 0.015),
    ("pakistani", 0.03),
    ("bangladeshi", 0.01),
    ("indian", 0.03),
    ("african", 0.03),
    ("caribbean", 0.012),
    ("east_european", 0.05),
    ("chinese", 0.008),
    ("iberian", 0.01),
)

# SSD / CIN census ethnicity codes by heritage.
ETHNICITY: dict[str, str] = {
    "british": "WBRI",
    "irish": "WIRI",
    "pakistani": "APKN",
    "bangladeshi": "ABAN",
    "indian": "AIND",
    "african": "BAFR",
    "caribbean": "BCRB",
    "east_european": "WOTH",
    "chinese": "CHNE",
    "iberian": "WOTH",
}

# Nationality for people born abroad, by heritage (UK-born people are British).
NATIONALITY: dict[str, tuple[str, ...]] = {
    "irish": ("Irish",),
    "pakistani": ("Pakistani",),
    "bangladeshi": ("Bangladeshi",),
    "indian": ("Indian",),
    "african": ("Nigerian", "Ghanaian", "Somali", "Zimbabwean", "Sierra Leonean"),
    "caribbean": ("Jamaican",),
    "east_european": ("Polish", "Polish", "Romanian", "Lithuanian", "Bulgarian"),
    "chinese": ("Chinese", "Hong Konger"),
    "iberian": ("Portuguese", "Spanish"),
}

# Share of each community's adults who were born abroad (so not British nationals).
BORN_ABROAD: dict[str, float] = {
    "british": 0.0,
    "irish": 0.5,
    "pakistani": 0.35,
    "bangladeshi": 0.35,
    "indian": 0.4,
    "african": 0.55,
    "caribbean": 0.2,
    "east_european": 0.8,
    "chinese": 0.5,
    "iberian": 0.7,
}
